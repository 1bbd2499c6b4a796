/**
 * The only file that imports onnxruntime-node. Everything else in the app sees `OnnxSession`,
 * plain typed arrays in and out. Sessions run in a worker thread by default (onnx-worker.ts, which
 * requires onnxruntime-node by the path resolved here) or, with `workerThread: false`, here.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { planExecutionProviders, type MlDevice, type ProviderName, type SessionSettings } from './execution-providers';
import { OnnxWorker, type SpawnWorker } from './onnx-worker';

/** An int64 input tensor, row-major `[batch, sequence]`. */
export interface Int64Input {
  readonly data: BigInt64Array;
  readonly dims: readonly number[];
}

/** A float32 output tensor, row-major. */
export interface Float32Output {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

export interface OnnxSession {
  readonly provider: ProviderName;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /**
   * Runs the graph; returns only the requested float outputs. A worker-thread session transfers
   * the input arrays to the worker: after the call they are detached (empty) in the caller.
   */
  run(feeds: Record<string, Int64Input>, outputs: readonly string[]): Promise<Record<string, Float32Output>>;
  release(): Promise<void>;
}

/**
 * Backends this onnxruntime-node install can use. `listSupportedBackends` lists `cuda` on every
 * linux-x64 install, but its provider library is only present when the CUDA build was fetched
 * at install time (ONNXRUNTIME_NODE_INSTALL_CUDA), so that file decides.
 */
export function availableExecutionProviders(): string[] {
  const names = ort.listSupportedBackends().filter((b) => b.bundled).map((b) => b.name);
  return cudaProviderInstalled() ? [...names, 'cuda'] : names;
}

function cudaProviderInstalled(): boolean {
  try {
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    const bin = path.join(path.dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(path.join(bin, process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

export interface CreateSessionOptions extends SessionSettings {
  readonly device: MlDevice;
  /** Logs provider fallbacks. */
  readonly log?: (message: string) => void;
  /** Overrides the installed backends (tests). */
  readonly available?: readonly string[];
  /**
   * Run the session in a worker thread (default) instead of on the calling thread. onnxruntime-node
   * runs inference synchronously on the thread that calls `run()`, however its Promise looks, so
   * in-thread a long batch stops the event loop for its whole duration (onnx-worker.ts).
   */
  readonly workerThread?: boolean;
  /** Creates the worker thread (tests). */
  readonly spawnWorker?: SpawnWorker;
}

/**
 * Loads a model, trying providers in the order `planExecutionProviders` gives. A CUDA session that
 * fails to load (no driver, no libraries) falls back to CPU under `auto` and is logged; the
 * provider that loaded is reported on the session, so /health/ready and `ml_model_info` tell the
 * truth. By default the session lives in its own worker thread (`workerThread`), loaded with the
 * same options; a failed attempt's worker is terminated and the next attempt gets a fresh one.
 */
export async function createOnnxSession(model: string | Uint8Array, options: CreateSessionOptions): Promise<OnnxSession> {
  const plan = planExecutionProviders(options.device, options.available ?? availableExecutionProviders());
  const inWorker = options.workerThread !== false;
  options.log?.(`execution providers: ${plan.attempts.join(' -> ')} (${plan.reason}); inference ${inWorker ? 'in a worker thread' : 'on the event loop thread'}`);
  const ortPath = inWorker ? createRequire(import.meta.url).resolve('onnxruntime-node') : '';
  let lastError: unknown;
  for (const provider of plan.attempts) {
    const sessionOptions = sessionOptionsFor(provider, options);
    const worker = inWorker ? new OnnxWorker(ortPath, typeof model === 'string' ? model : 'in-memory model', options.spawnWorker) : undefined;
    try {
      if (worker) return wrapWorker(worker, provider, await worker.create(model, sessionOptions));
      const session =
        typeof model === 'string' ? await ort.InferenceSession.create(model, sessionOptions) : await ort.InferenceSession.create(model, sessionOptions);
      return wrap(session, provider);
    } catch (error) {
      lastError = error;
      await worker?.close();
      if (provider !== plan.attempts.at(-1)) {
        options.log?.(`${provider} session failed to load (${error instanceof Error ? error.message : String(error)}); falling back`);
      }
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

/** The SessionOptions of one attempt; plain data, so the worker thread gets exactly the same. */
function sessionOptionsFor(provider: ProviderName, options: SessionSettings): ort.InferenceSession.SessionOptions {
  const spin = options.allowSpinning === true ? '1' : '0';
  return {
    executionProviders: [provider],
    graphOptimizationLevel: options.graphOptimizationLevel,
    ...(options.intraOpThreads > 0 ? { intraOpNumThreads: options.intraOpThreads } : {}),
    ...(options.interOpThreads > 0 ? { interOpNumThreads: options.interOpThreads } : {}),
    ...(options.cpuMemArena === undefined ? {} : { enableCpuMemArena: options.cpuMemArena }),
    ...(options.memPattern === undefined ? {} : { enableMemPattern: options.memPattern }),
    // Session config entries (onnxruntime_session_options_config_keys.h); onnxruntime-node passes `extra` through.
    extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
  };
}

function wrapWorker(worker: OnnxWorker, provider: ProviderName, names: { inputNames: string[]; outputNames: string[] }): OnnxSession {
  return {
    provider,
    inputNames: names.inputNames,
    outputNames: names.outputNames,
    run: (feeds, outputs) => worker.run(feeds, outputs),
    release: () => worker.close(),
  };
}

function wrap(session: ort.InferenceSession, provider: ProviderName): OnnxSession {
  return {
    provider,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds, outputs) {
      const tensors: Record<string, ort.Tensor> = {};
      for (const [name, input] of Object.entries(feeds)) tensors[name] = new ort.Tensor('int64', input.data, input.dims);
      const result = await session.run(tensors, [...outputs]);
      const out: Record<string, Float32Output> = {};
      for (const name of outputs) {
        const tensor = result[name];
        if (!tensor || tensor.type !== 'float32') throw new Error(`model output ${name} is missing or not float32`);
        out[name] = { data: tensor.data as Float32Array, dims: tensor.dims };
        tensor.dispose?.();
      }
      return out;
    },
    async release() {
      await session.release();
    },
  };
}
