import type { Embedder, EmbedderInfo, Embedding, EmbedKind } from '@docrag/domain';
import { RagError } from '@docrag/domain';
import type { SparseEncoder } from './bm25-encoder';

/**
 * A domain `Embedder` that produces only sparse vectors, in process. The bot uses it when no ml-api
 * is configured: retrieval then runs on BM25 alone (no dense vectors, so `describe()` reports no
 * dimension and the store is created sparse-only).
 */
export function createSparseEmbedder(encoder: SparseEncoder): Embedder {
  const info: EmbedderInfo = { sparseModel: encoder.name };
  return {
    describe(): Promise<EmbedderInfo> {
      return Promise.resolve(info);
    },
    embed(texts: readonly string[], options: { kind: EmbedKind; signal?: AbortSignal }): Promise<Embedding[]> {
      if (options.signal?.aborted) return Promise.reject(new RagError({ code: 'cancelled' }, { cause: options.signal.reason }));
      const encode = options.kind === 'query' ? encoder.encodeQuery : encoder.encodeDocument;
      return Promise.resolve(texts.map((text) => ({ sparse: encode(text) })));
    },
  };
}
