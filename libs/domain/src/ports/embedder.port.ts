import type { Embedding } from '../model/vectors';

export type EmbedKind = 'query' | 'document';

export interface EmbedderInfo {
  /** Dense model name, or undefined when only sparse vectors are available. */
  readonly denseModel?: string;
  /** Dense dimension; undefined when no dense model is loaded (sparse-only retrieval). */
  readonly dimension?: number;
  /** Name/version of the sparse encoder, e.g. `bm25-en-v1`: stores must not mix encoders. */
  readonly sparseModel: string;
}

/**
 * Turns texts into vectors. Dense vectors are optional; sparse vectors are always produced
 * (the BM25 encoder needs no weights), so retrieval works with no model at all.
 */
export interface Embedder {
  describe(signal?: AbortSignal): Promise<EmbedderInfo>;
  /** Returns one embedding per text, in input order. */
  embed(texts: readonly string[], options: { kind: EmbedKind; signal?: AbortSignal }): Promise<Embedding[]>;
}
