import type { Encoded, RerankModel } from '@docrag/onnx';
import { MicroBatcher, type BatchHooks } from '../batching/micro-batcher';
import { rethrowBatchError } from './batch-errors';
import type { BatchSettings } from './embed-service';

export interface ScoredIndex {
  readonly index: number;
  readonly score: number;
}

/** Scores (query, document) pairs with the batched cross-encoder. */
export class RerankService {
  private readonly batcher: MicroBatcher<Encoded, number>;

  constructor(
    readonly model: RerankModel,
    private readonly settings: BatchSettings,
    hooks?: BatchHooks,
  ) {
    this.batcher = new MicroBatcher<Encoded, number>({
      ...settings,
      tokensOf: (e) => e.ids.length,
      run: (pairs) => model.scoreBatch(pairs),
      ...(hooks ? { hooks } : {}),
    });
  }

  get depth(): number {
    return this.batcher.depth;
  }

  /** Best first; ties keep document order. At most `topK` results. */
  async rerank(query: string, documents: readonly string[], options: { topK?: number; signal?: AbortSignal }): Promise<ScoredIndex[]> {
    const pairs = documents.map((d) => this.model.tokenizePair(query, d));
    const scores = await this.batcher.submit(pairs, options.signal).catch((error: unknown) => rethrowBatchError(error, this.settings.retryAfterSeconds));
    const ranked = scores.map((score, index) => ({ index, score })).sort((a, b) => b.score - a.score || a.index - b.index);
    return options.topK === undefined ? ranked : ranked.slice(0, options.topK);
  }

  idle(): Promise<void> {
    return this.batcher.idle();
  }
}
