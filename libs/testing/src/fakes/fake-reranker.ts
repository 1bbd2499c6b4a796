import type { Reranker, RerankResult } from '@docrag/domain';
import { throwIfAborted, words } from './text';

/**
 * Scores a document by the share of query words it contains (a crude cross-encoder). Set
 * `failWith` to simulate an ml-api without a rerank model.
 */
export class FakeReranker implements Reranker {
  readonly calls: { query: string; documents: readonly string[]; topK?: number }[] = [];
  constructor(public failWith?: Error) {}

  async rerank(query: string, documents: readonly string[], options?: { topK?: number; signal?: AbortSignal }): Promise<RerankResult[]> {
    throwIfAborted(options?.signal);
    this.calls.push({ query, documents: [...documents], ...(options?.topK === undefined ? {} : { topK: options.topK }) });
    if (this.failWith) throw this.failWith;
    const queryWords = new Set(words(query));
    const results = documents.map((doc, index) => {
      const docWords = new Set(words(doc));
      let hits = 0;
      for (const w of queryWords) if (docWords.has(w)) hits++;
      // Tiny length penalty so shorter exact matches win ties, as cross-encoders tend to.
      return { index, score: queryWords.size === 0 ? 0 : hits / queryWords.size - docWords.size * 1e-6 };
    });
    results.sort((a, b) => b.score - a.score || a.index - b.index);
    return options?.topK === undefined ? results : results.slice(0, options.topK);
  }
}
