/**
 * @docrag/sqlite-store: the embedded default store. One SQLite file (WAL) holds the hybrid vector
 * index (BM25 inverted index + sqlite-vec), the file registry, chat history, bot sessions and the
 * ingestion jobs. No server to run.
 */

// ---- opening the store ----
export { createSqliteStore } from './create-sqlite-store';
export type { SqliteStore, SqliteStoreOptions } from './create-sqlite-store';
export { openDatabase } from './database';
export type { OpenDatabaseOptions, SqliteDatabase } from './database';
export { SCHEMA_VERSION } from './migrations';

// ---- port adapters ----
export { SqliteVectorStore, bm25Idf } from './sqlite-vector-store';
export type { SqliteVectorStoreOptions } from './sqlite-vector-store';
export { SqliteFileRegistry } from './sqlite-file-registry';
export { SqliteChatHistory } from './sqlite-chat-history';

// ---- bot sessions and ingestion jobs ----
export { SqliteSessionStorage } from './sqlite-session-storage';
export type { SessionStorage } from './sqlite-session-storage';
export { SqliteIngestionJobs } from './sqlite-ingestion-jobs';
export type { IngestionJob, IngestionJobStatus } from './sqlite-ingestion-jobs';
