/**
 * Start-up: which models to load, loading them (download, sha256 check, warm-up), and the
 * services built on them. A model that is simply absent turns its capability off (noted in
 * /health/ready); a model that is configured but broken (bad pin, failed download) stops start-up,
 * because serving silently without it would hide the problem.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  loadEmbeddingModel,
  loadRerankModel,
  type EmbeddingModel,
  type LoadModelOptions,
  type RerankModel,
} from '@docrag/onnx';
import { ATTR, activeSpanContext, withBatchSpan, type MlApiMetrics } from '@docrag/observability';
import type { SpanContext } from '@opentelemetry/api';
import { createBm25SparseEncoder } from '@docrag/sparse';
import type { BatchHooks } from './batching/micro-batcher';
import { modelDirs, type Config } from './config';
import { EmbedService, type BatchSettings } from './inference/embed-service';
import { RerankService } from './inference/rerank-service';
import type { ServiceState } from './server';

export interface LoadedModels {
  readonly embed?: EmbeddingModel;
  readonly rerank?: RerankModel;
  /** Why a capability is off, one line each. */
  readonly notes: string[];
}

export interface StartupDeps {
  readonly log: (message: string) => void;
  readonly metrics?: MlApiMetrics;
  readonly fetch?: typeof fetch;
}

/** The options `loadModels` loads a task's model with (exported so the benchmark's in-process engine matches the server). */
export function modelLoadOptions(config: Config, task: 'embed' | 'rerank', deps: StartupDeps): LoadModelOptions {
  const batch = batchSettings(config, task);
  return {
    device: config.ML_DEVICE,
    intraOpThreads: config.ORT_INTRA_OP_THREADS,
    interOpThreads: config.ORT_INTER_OP_THREADS,
    graphOptimizationLevel: config.ORT_GRAPH_OPTIMIZATION,
    allowSpinning: config.ORT_ALLOW_SPINNING,
    cpuMemArena: config.ORT_CPU_MEM_ARENA,
    memPattern: config.ORT_MEM_PATTERN,
    workerThread: config.ORT_WORKER_THREAD,
    maxLength: task === 'embed' ? config.EMBED_MAX_LENGTH : config.RERANK_MAX_LENGTH,
    warmup: config.MODEL_WARMUP,
    // The batcher's limits: the warm-up runs the largest batch they allow, so onnxruntime's
    // arena (never given back) reaches its peak at start-up, not under traffic.
    warmupBatch: { maxBatchSize: batch.maxBatchSize, maxBatchTokens: batch.maxBatchTokens },
    log: deps.log,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  };
}

/** Loads whatever models are present or downloadable. Throws on a broken one. */
export async function loadModels(config: Config, deps: StartupDeps): Promise<LoadedModels> {
  const dirs = modelDirs(config);
  const notes: string[] = [];
  let embed: EmbeddingModel | undefined;
  let rerank: RerankModel | undefined;

  if (config.EMBED_MODEL_URL || existsSync(path.join(dirs.embed, 'model.onnx'))) {
    embed = await loadEmbeddingModel(
      {
        name: config.EMBED_MODEL_NAME,
        dir: dirs.embed,
        ...(config.EMBED_MODEL_URL ? { modelUrl: config.EMBED_MODEL_URL } : {}),
        ...(config.EMBED_MODEL_SHA256 ? { modelSha256: config.EMBED_MODEL_SHA256 } : {}),
        ...(config.EMBED_TOKENIZER_URL ? { tokenizerUrl: config.EMBED_TOKENIZER_URL } : {}),
        ...(config.EMBED_TOKENIZER_SHA256 ? { tokenizerSha256: config.EMBED_TOKENIZER_SHA256 } : {}),
      },
      { ...modelLoadOptions(config, 'embed', deps), pooling: config.EMBED_POOLING },
    );
    deps.metrics?.modelLoaded({ model: embed.info.name, provider: embed.info.provider, dim: embed.info.dimension, seconds: embed.info.loadSeconds });
  } else {
    notes.push(`dense: no model.onnx in ${dirs.embed} and EMBED_MODEL_URL is not set; /embed returns sparse vectors only`);
  }

  if (config.RERANK_MODEL_URL || existsSync(path.join(dirs.rerank, 'model.onnx'))) {
    rerank = await loadRerankModel(
      {
        name: config.RERANK_MODEL_NAME,
        dir: dirs.rerank,
        ...(config.RERANK_MODEL_URL ? { modelUrl: config.RERANK_MODEL_URL } : {}),
        ...(config.RERANK_MODEL_SHA256 ? { modelSha256: config.RERANK_MODEL_SHA256 } : {}),
        ...(config.RERANK_TOKENIZER_URL ? { tokenizerUrl: config.RERANK_TOKENIZER_URL } : {}),
        ...(config.RERANK_TOKENIZER_SHA256 ? { tokenizerSha256: config.RERANK_TOKENIZER_SHA256 } : {}),
      },
      modelLoadOptions(config, 'rerank', deps),
    );
    deps.metrics?.modelLoaded({ model: rerank.info.name, provider: rerank.info.provider, dim: 0, seconds: rerank.info.loadSeconds });
  } else {
    notes.push(`rerank: no model.onnx in ${dirs.rerank} and RERANK_MODEL_URL is not set; /rerank answers 503 model_unavailable`);
  }
  return { ...(embed ? { embed } : {}), ...(rerank ? { rerank } : {}), notes };
}

/**
 * Metrics and tracing around the batcher. A batch serves many requests, so its span
 * (`ml.<task>.batch`) starts its own trace and links to each request's span.
 */
function hooksFor(task: 'embed' | 'rerank', metrics: MlApiMetrics | undefined): BatchHooks {
  return {
    captureContext: () => activeSpanContext(),
    around: (batch, run) =>
      withBatchSpan(
        `ml.${task}.batch`,
        batch.contexts as readonly (SpanContext | undefined)[],
        { [ATTR.batchTask]: task, [ATTR.batchSize]: batch.size, 'docrag.batch.tokens': batch.tokens },
        () => run(),
      ),
    ...(metrics
      ? {
          queueWait: (seconds: number) => metrics.queueWait(task, seconds),
          batch: (event: { size: number; tokens: number; seconds: number }) => metrics.batch({ task, ...event }),
          depth: (items: number) => metrics.queueDepth(task, items),
          rejected: (reason: 'queue_full' | 'timeout') => metrics.rejected(task, reason),
        }
      : {}),
  };
}

/** Batch settings of one task from the config. */
export function batchSettings(config: Config, task: 'embed' | 'rerank'): BatchSettings {
  const common = { maxQueueItems: config.MAX_QUEUE_ITEMS, queueTimeoutMs: config.QUEUE_TIMEOUT_MS, retryAfterSeconds: config.RETRY_AFTER_SECONDS };
  return task === 'embed'
    ? { ...common, maxBatchSize: config.EMBED_MAX_BATCH_SIZE, maxBatchTokens: config.EMBED_MAX_BATCH_TOKENS, maxWaitMs: config.EMBED_MAX_WAIT_MS, maxConcurrentBatches: config.EMBED_MAX_CONCURRENT_BATCHES, maxPaddingFraction: config.EMBED_MAX_PADDING_FRACTION }
    : { ...common, maxBatchSize: config.RERANK_MAX_BATCH_SIZE, maxBatchTokens: config.RERANK_MAX_BATCH_TOKENS, maxWaitMs: config.RERANK_MAX_WAIT_MS, maxConcurrentBatches: config.RERANK_MAX_CONCURRENT_BATCHES, maxPaddingFraction: config.RERANK_MAX_PADDING_FRACTION };
}

/** Wires loaded models into the services the routes use and marks the state ready. */
export function makeReady(state: ServiceState, config: Config, models: LoadedModels, metrics?: MlApiMetrics): void {
  state.embed = new EmbedService(models.embed, createBm25SparseEncoder({ language: config.SPARSE_LANGUAGE }), batchSettings(config, 'embed'), hooksFor('embed', metrics));
  if (models.rerank) state.rerank = new RerankService(models.rerank, batchSettings(config, 'rerank'), hooksFor('rerank', metrics));
  state.notes = [...models.notes];
  state.status = 'ready';
  metrics?.ready(true);
}
