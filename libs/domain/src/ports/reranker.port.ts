export interface RerankResult {
  /** Index into the `documents` passed in. */
  readonly index: number;
  readonly score: number;
}

/** A cross-encoder that scores (query, document) pairs. Results are sorted by score, best first. */
export interface Reranker {
  rerank(
    query: string,
    documents: readonly string[],
    options?: { topK?: number; signal?: AbortSignal },
  ): Promise<RerankResult[]>;
}
