/**
 * @docrag/domain: the model, the ports and the pure logic of the product. No I/O, no npm imports,
 * no `node:*`: everything that touches the world comes in through a port.
 */

// ---- model ----
export * from './model/ids';
export type * from './model/document';
export type * from './model/vectors';
export type * from './model/answer';
export * from './model/errors';

// ---- ports ----
export type * from './ports/embedder.port';
export type * from './ports/reranker.port';
export type * from './ports/vector-store.port';
export type * from './ports/generator.port';
export type * from './ports/parser.port';
export * from './ports/storage.port';

// ---- use cases ----
export type * from './use-cases/types';
/** Upload -> parse -> chunk -> embed -> store -> register, crash-safe; plus start-up recovery. */
export * from './use-cases/ingest-document';
/** Question -> condense -> hybrid search -> rerank -> parents -> streamed, cited answer. */
export * from './use-cases/answer-question';

// ---- pure logic ----
/** Parent/child chunking with a pluggable token counter. */
export * from './logic/chunking';
/** Reciprocal rank fusion of ranked lists. */
export * from './logic/rrf';
/** Prompts with numbered sources, condensing follow-ups. */
export * from './logic/prompt';
/** `[Source N]` markers back to files, pages and headings. */
export * from './logic/citations';
/** Telegram-sized message parts that never cut a formatting entity. */
export * from './logic/split-message';
/** LRU cache for query embeddings. */
export * from './logic/cached-embedder';
