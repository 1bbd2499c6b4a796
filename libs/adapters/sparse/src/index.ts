/**
 * @docrag/sparse: the weightless BM25 sparse encoder. Shared by the bot (in-process retrieval when no
 * ml-api runs), the ml-api (its `/embed` sparse output) and the evaluation tools, so a term id means
 * the same thing everywhere.
 */

// ---- encoder ----
export { createBm25SparseEncoder, BM25_DEFAULTS } from './bm25-encoder';
export type { SparseEncoder, Bm25EncoderOptions } from './bm25-encoder';

// ---- domain adapter ----
export { createSparseEmbedder } from './sparse-embedder';

// ---- analysis building blocks (exposed for tests, tools and diagnostics) ----
export { createAnalyzer, resolveLanguage, supportedLanguages } from './analyzer';
export type { Analyzer } from './analyzer';
export { termId } from './hash';
