import type { Registry } from 'prom-client';
import {
  ML_BATCH_SIZE,
  ML_BATCH_TOKENS,
  ML_INFERENCE_DURATION,
  ML_MODEL_INFO,
  ML_MODEL_LOAD,
  ML_QUEUE_DEPTH,
  ML_QUEUE_WAIT,
  ML_READY,
  ML_REJECTED_REQUESTS,
  ML_REQUEST_DURATION,
  type MlTask,
} from './metric-names';
import { counterFrom, createLabelGuard, gaugeFrom, histogramFrom } from './registry';
import { safely } from './safe';

/** The ml-api's metrics, behind methods that never throw. */
export interface MlApiMetrics {
  /** One HTTP request; `route` is the route pattern (`/embed`), never the raw URL. */
  request(event: { route: string; status: number; seconds: number }): void;
  /** Time one request waited in the batching queue. */
  queueWait(task: MlTask, seconds: number): void;
  /** One executed batch. */
  batch(event: { task: MlTask; size: number; tokens: number; seconds: number }): void;
  queueDepth(task: MlTask, depth: number): void;
  rejected(task: MlTask, reason: 'queue_full' | 'too_large' | 'timeout' | 'not_ready' | 'invalid'): void;
  modelLoaded(event: { model: string; provider: string; dim: number; seconds: number }): void;
  ready(isReady: boolean): void;
}

export function createMlApiMetrics(registry: Registry): MlApiMetrics {
  const requests = histogramFrom(registry, ML_REQUEST_DURATION);
  const wait = histogramFrom(registry, ML_QUEUE_WAIT);
  const inference = histogramFrom(registry, ML_INFERENCE_DURATION);
  const size = histogramFrom(registry, ML_BATCH_SIZE);
  const tokens = histogramFrom(registry, ML_BATCH_TOKENS);
  const depth = gaugeFrom(registry, ML_QUEUE_DEPTH);
  const rejected = counterFrom(registry, ML_REJECTED_REQUESTS);
  const load = gaugeFrom(registry, ML_MODEL_LOAD);
  const info = gaugeFrom(registry, ML_MODEL_INFO);
  const ready = gaugeFrom(registry, ML_READY);
  const route = createLabelGuard(30);
  safely('ml-metrics.init', () => {
    ready.set(0);
    for (const task of ['embed', 'rerank'] as const) {
      depth.set({ task }, 0);
      rejected.inc({ task, reason: 'queue_full' }, 0);
    }
  });
  return {
    request: (event) =>
      safely('ml-metrics.request', () => requests.observe({ route: route(event.route), status: String(event.status) }, event.seconds)),
    queueWait: (task, seconds) => safely('ml-metrics.wait', () => wait.observe({ task }, seconds)),
    batch: (event) =>
      safely('ml-metrics.batch', () => {
        inference.observe({ task: event.task }, event.seconds);
        size.observe({ task: event.task }, event.size);
        tokens.observe({ task: event.task }, event.tokens);
      }),
    queueDepth: (task, value) => safely('ml-metrics.depth', () => depth.set({ task }, value)),
    rejected: (task, reason) => safely('ml-metrics.rejected', () => rejected.inc({ task, reason })),
    modelLoaded: (event) =>
      safely('ml-metrics.model', () => {
        load.set({ model: event.model }, event.seconds);
        info.set({ model: event.model, provider: event.provider, dim: String(event.dim) }, 1);
      }),
    ready: (isReady) => safely('ml-metrics.ready', () => ready.set(isReady ? 1 : 0)),
  };
}
