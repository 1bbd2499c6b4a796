import type { EmbeddingModel, Encoded } from '@docrag/onnx';
import type { SparseEncoder } from '@docrag/sparse';
import { MicroBatcher, type BatchHooks } from '../batching/micro-batcher';
import { rethrowBatchError } from './batch-errors';

export interface BatchSettings {
  readonly maxBatchSize: number;
  readonly maxBatchTokens: number;
  readonly maxWaitMs: number;
  readonly maxConcurrentBatches?: number;
  readonly maxPaddingFraction?: number;
  readonly maxQueueItems: number;
  readonly queueTimeoutMs: number;
  readonly retryAfterSeconds: number;
}

export interface TextEmbedding {
  readonly dense?: number[];
  readonly sparse: { indices: number[]; values: number[] };
}

export interface EmbedOutcome {
  readonly embeddings: TextEmbedding[];
  /** Word pieces the dense model saw (0 without one). */
  readonly tokens: number;
}

/**
 * Embeds texts: dense vectors through the batched ONNX model when one is loaded, BM25 sparse
 * vectors always (no weights needed, so retrieval works with no model at all).
 */
export class EmbedService {
  private readonly batcher: MicroBatcher<Encoded, number[]> | undefined;

  constructor(
    readonly model: EmbeddingModel | undefined,
    readonly sparse: SparseEncoder,
    private readonly settings: BatchSettings,
    hooks?: BatchHooks,
  ) {
    this.batcher = model
      ? new MicroBatcher<Encoded, number[]>({
          ...settings,
          tokensOf: (e) => e.ids.length,
          run: (encodings) => model.embedBatch(encodings),
          ...(hooks ? { hooks } : {}),
        })
      : undefined;
  }

  get depth(): number {
    return this.batcher?.depth ?? 0;
  }

  async embed(texts: readonly string[], options: { isQuery: boolean; signal?: AbortSignal; dense?: boolean; sparse?: boolean }): Promise<EmbedOutcome> {
    const wantDense = options.dense !== false && this.model !== undefined;
    const wantSparse = options.sparse !== false;
    let dense: number[][] | undefined;
    let tokens = 0;
    if (wantDense && this.model && this.batcher) {
      const model = this.model;
      const encodings = texts.map((t) => model.tokenize(t));
      tokens = encodings.reduce((sum, e) => sum + e.ids.length, 0);
      dense = await this.batcher.submit(encodings, options.signal).catch((error: unknown) => rethrowBatchError(error, this.settings.retryAfterSeconds));
    }
    const embeddings = texts.map((text, i) => {
      const sparse = wantSparse
        ? options.isQuery
          ? this.sparse.encodeQuery(text)
          : this.sparse.encodeDocument(text)
        : { indices: [], values: [] };
      return {
        ...(dense ? { dense: dense[i] ?? [] } : {}),
        sparse: { indices: [...sparse.indices], values: [...sparse.values] },
      };
    });
    return { embeddings, tokens };
  }

  idle(): Promise<void> {
    return this.batcher?.idle() ?? Promise.resolve();
  }
}
