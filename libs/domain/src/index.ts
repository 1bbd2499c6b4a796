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

// ---- pure logic ----
export * from './logic/rrf';
