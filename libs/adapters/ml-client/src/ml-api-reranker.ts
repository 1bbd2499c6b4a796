import type { Reranker, RerankResult } from '@docrag/domain';
import { RagError } from '@docrag/domain';
import { MAX_RERANK_DOCUMENTS, rerankResponseSchema } from '@docrag/ml-protocol';
import { MlApiHttp } from './ml-api-http';
import type { MlApiClientOptions } from './ml-api-http';

export interface MlApiRerankerOptions extends MlApiClientOptions {
  /**
   * After the ml-api answers `model_unavailable` (no reranker loaded), further calls fail at once
   * with the same error for this long instead of costing a round trip per question; then the
   * ml-api is asked again, so a reranker loaded later is picked up (default 30 s; 0 = always ask).
   */
  readonly unavailableRecheckMs?: number;
  readonly now?: () => number;
}

/**
 * The Reranker port over the ml-api's `POST /rerank` (a cross-encoder). More documents than the
 * protocol allows per request (100) are scored in slices and merged: a cross-encoder scores each
 * (query, document) pair on its own, so scores from different requests compare directly.
 */
export class MlApiReranker implements Reranker {
  private readonly http: MlApiHttp;
  private readonly recheckMs: number;
  private readonly now: () => number;
  /** The last `model_unavailable` answer and when it came. */
  private unavailable: { error: RagError; at: number } | undefined;

  constructor(options: MlApiRerankerOptions) {
    this.http = new MlApiHttp(options);
    this.recheckMs = options.unavailableRecheckMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  async rerank(query: string, documents: readonly string[], options: { topK?: number; signal?: AbortSignal } = {}): Promise<RerankResult[]> {
    if (documents.length === 0) return [];
    if (query.trim().length === 0) throw new RagError({ code: 'invalid_input', reason: 'rerank query is empty' });
    if (this.unavailable && this.now() - this.unavailable.at < this.recheckMs) throw this.unavailable.error;
    try {
      const results = await this.score(query, documents, options);
      this.unavailable = undefined;
      return results;
    } catch (error) {
      if (error instanceof RagError && error.detail.code === 'model_unavailable') this.unavailable = { error, at: this.now() };
      throw error;
    }
  }

  private async score(query: string, documents: readonly string[], options: { topK?: number; signal?: AbortSignal }): Promise<RerankResult[]> {
    const all: RerankResult[] = [];
    for (let offset = 0; offset < documents.length; offset += MAX_RERANK_DOCUMENTS) {
      const slice = documents.slice(offset, offset + MAX_RERANK_DOCUMENTS);
      const single = documents.length <= MAX_RERANK_DOCUMENTS;
      const body = { query, documents: slice, ...(single && options.topK !== undefined ? { top_k: options.topK } : {}) };
      const response = await this.http.post('/rerank', body, rerankResponseSchema, 'rerank', options.signal);
      for (const result of response.results) {
        if (result.index >= slice.length) {
          throw new RagError(
            { code: 'dependency_unavailable', dependency: 'ml-api' },
            { message: `ml-api rerank returned index ${result.index} for ${slice.length} documents` },
          );
        }
        all.push({ index: result.index + offset, score: result.score });
      }
    }
    all.sort((a, b) => b.score - a.score || a.index - b.index);
    return options.topK === undefined ? all : all.slice(0, options.topK);
  }
}
