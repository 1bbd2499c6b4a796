/**
 * @docrag/qdrant: the scale-out `VectorStore` on Qdrant, plus the admin operations around it
 * (versioned collections behind aliases, atomic swap and rollback, snapshots).
 * @qdrant/js-client-rest is imported by qdrant-api.ts only.
 */

// ---- the store ----
export { buildHybridQuery, createQdrantVectorStore, QDRANT_STORE_DEFAULTS, QdrantVectorStore } from './qdrant-vector-store';
export type { QdrantStoreConfig, QdrantVectorStoreOptions } from './qdrant-vector-store';

// ---- collections: versions, aliases, snapshots ----
export { aliasNames, QdrantCollections, versionedNames, versionOf } from './collections';
export type { CollectionNames, CollectionSettings, IndexStatus } from './collections';

// ---- reindexing into a new version with another embedder ----
export { reindexCollections } from './reindex';
export type { ReindexOptions, ReindexResult } from './reindex';

// ---- transport (the SDK wrapper) ----
export { createQdrantApi, QDRANT_DEFAULTS } from './qdrant-api';
export type { QdrantApi, QdrantConnectionOptions, SnapshotInfo } from './qdrant-api';
export { classifyQdrantError } from './errors';

// ---- ids and payload layout (for tools that read the collections directly) ----
export { pointId, uuidV5 } from './point-ids';
export { FIELD } from './payload';
