/**
 * The worker-thread half of onnx-runtime.ts. onnxruntime-node's `InferenceSession.run()` returns a
 * Promise but runs the graph synchronously on the calling thread (it only defers the start with
 * setImmediate; onnxruntime issues #19611 and #26968): a 32 x 256 MiniLM-L6 batch held the
 * ml-api's event loop for ~0.7 s, a 16 x 512 rerank batch ~1.5 s, during which no request was
 * parsed, no 503 backpressure answered and no health probe served. Here the session lives in a
 * `node:worker_threads` worker, as the onnxruntime maintainers suggest for servers; the main thread
 * only posts input tensors (transferred, not copied) and receives the outputs the same way.
 *
 * The worker is eval'd from the small CommonJS source below, so it needs no build entry of its
 * own: the esbuild bundle and tsx run it alike. It requires onnxruntime-node by the absolute path
 * onnx-runtime.ts resolves in the main thread (this file never imports it). Session options are
 * built in onnx-runtime.ts, so both modes load with the same settings and provider policy.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Posted to the worker. `options` are onnxruntime SessionOptions (plain data). */
type Request =
  | { readonly type: 'create'; readonly id: number; readonly model: string | Uint8Array; readonly options: unknown }
  | { readonly type: 'run'; readonly id: number; readonly feeds: Record<string, { data: BigInt64Array; dims: readonly number[] }>; readonly outputs: readonly string[] }
  | { readonly type: 'release'; readonly id: number };

type Reply =
  | { readonly type: 'created'; readonly id: number; readonly inputNames: string[]; readonly outputNames: string[] }
  | { readonly type: 'result'; readonly id: number; readonly outputs: Record<string, { data: Float32Array; dims: number[] }> }
  | { readonly type: 'released'; readonly id: number }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

/**
 * The worker's code: one session per worker, requests answered by id. Outputs go back as
 * transferred buffers (copied first only when the tensor is a view into a larger buffer, or when
 * the buffer cannot be transferred).
 */
export const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
let session;
const fail = (id, error) => parentPort.postMessage({ type: 'error', id, message: error instanceof Error ? error.message : String(error) });
// One request at a time, in order: a release never lands while a run is in flight.
let queue = Promise.resolve();
parentPort.on('message', (request) => {
  queue = queue.then(() => handle(request));
});
async function handle(request) {
  const id = request.id;
  try {
    if (request.type === 'create') {
      if (session) await session.release();
      session = undefined;
      session = await ort.InferenceSession.create(request.model, request.options);
      parentPort.postMessage({ type: 'created', id, inputNames: [...session.inputNames], outputNames: [...session.outputNames] });
    } else if (request.type === 'run') {
      if (!session) throw new Error('no session loaded');
      const feeds = {};
      for (const name of Object.keys(request.feeds)) feeds[name] = new ort.Tensor('int64', request.feeds[name].data, request.feeds[name].dims);
      const result = await session.run(feeds, request.outputs);
      const outputs = {};
      const transfer = [];
      for (const name of request.outputs) {
        const tensor = result[name];
        if (!tensor || tensor.type !== 'float32') throw new Error('model output ' + name + ' is missing or not float32');
        let data = tensor.data;
        if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) data = data.slice();
        outputs[name] = { data, dims: [...tensor.dims] };
        transfer.push(data.buffer);
        if (tensor.dispose) tensor.dispose();
      }
      try {
        parentPort.postMessage({ type: 'result', id, outputs }, transfer);
      } catch {
        parentPort.postMessage({ type: 'result', id, outputs });
      }
    } else if (request.type === 'release') {
      if (session) await session.release();
      session = undefined;
      parentPort.postMessage({ type: 'released', id });
    }
  } catch (error) {
    fail(id, error);
  }
}
`;

export type SpawnWorker = (source: string, options: WorkerOptions) => Worker;

interface Pending {
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

/**
 * One worker thread holding (at most) one onnxruntime session. Requests run one at a time, in
 * order. Every request is answered, or
 * rejected when the worker fails or exits: a dead worker never leaves a run hanging, and later
 * requests are refused with the same error.
 */
export class OnnxWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: Error | undefined;
  private closing = false;

  /**
   * @param ortPath absolute path of onnxruntime-node's entry, resolved by the main thread.
   * @param label names the model in error messages.
   * @param spawn creates the worker (tests wrap it).
   */
  constructor(
    ortPath: string,
    private readonly label: string,
    spawn: SpawnWorker = (source, options) => new Worker(source, options),
  ) {
    this.worker = spawn(WORKER_SOURCE, { eval: true, workerData: { ortPath }, name: `onnxruntime ${label}` });
    // Idle, the worker must not keep the process alive (an in-thread session does not either);
    // while a request is pending it must, or `await run()` could see the process exit.
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => this.settle(reply));
    this.worker.on('error', (error: Error) => this.die(new Error(`onnxruntime worker for ${label} failed: ${error.message}`, { cause: error })));
    this.worker.on('messageerror', (error: Error) => this.die(new Error(`onnxruntime worker for ${label} sent an unreadable message: ${error.message}`, { cause: error })));
    this.worker.on('exit', (code: number) => this.die(new Error(this.closing ? `onnxruntime worker for ${label} was closed` : `onnxruntime worker for ${label} exited unexpectedly (code ${code})`)));
  }

  /** Loads a session in the worker; its input and output names. */
  async create(model: string | Uint8Array, options: unknown): Promise<{ inputNames: string[]; outputNames: string[] }> {
    const reply = await this.request({ type: 'create', id: 0, model, options }, []);
    if (reply.type !== 'created') throw new Error(`onnxruntime worker for ${this.label}: unexpected reply ${reply.type}`);
    return { inputNames: reply.inputNames, outputNames: reply.outputNames };
  }

  /**
   * Runs the session. Input buffers that belong to their array alone are transferred to the
   * worker (the caller's arrays are detached afterwards); others are copied.
   */
  async run(feeds: Record<string, { data: BigInt64Array; dims: readonly number[] }>, outputs: readonly string[]): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
    const transfer = new Set<ArrayBuffer>();
    for (const { data } of Object.values(feeds)) {
      if (data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) transfer.add(data.buffer);
    }
    const reply = await this.request({ type: 'run', id: 0, feeds, outputs: [...outputs] }, [...transfer]);
    if (reply.type !== 'result') throw new Error(`onnxruntime worker for ${this.label}: unexpected reply ${reply.type}`);
    return reply.outputs;
  }

  /** Releases the session (if the worker still lives) and terminates the worker. Idempotent. */
  async close(): Promise<void> {
    if (this.closing) return;
    if (!this.dead) await this.request({ type: 'release', id: 0 }, []).catch(() => undefined);
    this.closing = true;
    await this.worker.terminate();
  }

  private request(message: Request, transfer: ArrayBuffer[]): Promise<Reply> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.closing) return Promise.reject(new Error(`onnxruntime worker for ${this.label} was closed`));
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      try {
        this.worker.postMessage({ ...message, id }, transfer);
      } catch (error) {
        this.forget(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  private settle(reply: Reply): void {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.forget(reply.id);
    if (reply.type === 'error') waiter.reject(new Error(reply.message));
    else waiter.resolve(reply);
  }

  private forget(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }

  private die(error: Error): void {
    this.dead ??= error;
    const waiters = [...this.pending.values()];
    this.pending.clear();
    for (const waiter of waiters) waiter.reject(this.dead);
  }
}
