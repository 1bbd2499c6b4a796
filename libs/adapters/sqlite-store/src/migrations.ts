import type { SqliteDatabase } from './database';

/**
 * Schema versions, applied in order inside one transaction each and recorded in
 * `PRAGMA user_version`. Never edit a shipped step: add a new one.
 */
const MIGRATIONS: readonly string[] = [
  // 1: vector index, registry, history, sessions, jobs.
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

  -- Owners get a small integer key so that every posting carries its owner cheaply: the owner filter
  -- is then the first column of the posting index, and a query never touches another owner's rows.
  CREATE TABLE owners (owner_key INTEGER PRIMARY KEY, owner_id TEXT NOT NULL UNIQUE) STRICT;

  -- AUTOINCREMENT: rowids are never reused, so postings are appended in rowid order.
  CREATE TABLE chunks (
    rowid INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    owner_key INTEGER NOT NULL REFERENCES owners(owner_key),
    file_id TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    text TEXT NOT NULL,
    token_count INTEGER NOT NULL,
    heading_path TEXT NOT NULL,
    page_start INTEGER,
    page_end INTEGER,
    -- The sparse term ids (uint32 little-endian), so deleting a chunk can find its postings.
    terms BLOB NOT NULL,
    has_dense INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE INDEX chunks_owner_file ON chunks(owner_key, file_id);

  -- N for IDF on every query: a trigger-kept count instead of COUNT(*) over the whole table.
  CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
  INSERT INTO counters(name, value) VALUES ('chunks', 0);
  CREATE TRIGGER chunks_count_insert AFTER INSERT ON chunks BEGIN UPDATE counters SET value = value + 1 WHERE name = 'chunks'; END;
  CREATE TRIGGER chunks_count_delete AFTER DELETE ON chunks BEGIN UPDATE counters SET value = value - 1 WHERE name = 'chunks'; END;

  -- The inverted index: BM25 document-side weights per (owner, term), in blocks of up to 512
  -- (chunk rowid uint32, weight float32) pairs in ascending rowid order (see posting-index.ts).
  CREATE TABLE posting_blocks (
    owner_key INTEGER NOT NULL,
    term INTEGER NOT NULL,
    block INTEGER NOT NULL,
    count INTEGER NOT NULL,
    min_rowid INTEGER NOT NULL,
    max_rowid INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (owner_key, term, block)
  ) STRICT, WITHOUT ROWID;

  -- Document frequency per term over the whole store, like Qdrant's collection-wide IDF statistics.
  CREATE TABLE term_df (term INTEGER PRIMARY KEY, df INTEGER NOT NULL) STRICT;

  CREATE TABLE parents (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    owner_key INTEGER NOT NULL REFERENCES owners(owner_key),
    file_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    text TEXT NOT NULL,
    token_count INTEGER NOT NULL,
    heading_path TEXT NOT NULL,
    page_start INTEGER,
    page_end INTEGER
  ) STRICT;
  CREATE INDEX parents_owner_file ON parents(owner_key, file_id, idx);

  CREATE TABLE files (
    owner_id TEXT NOT NULL,
    file_id TEXT NOT NULL,
    name TEXT NOT NULL,
    format TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    parent_count INTEGER NOT NULL,
    chunk_count INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('indexing', 'ready')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (owner_id, file_id)
  ) STRICT;
  CREATE INDEX files_owner_sha ON files(owner_id, sha256);
  CREATE INDEX files_status ON files(status);

  CREATE TABLE chat_turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_key TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX chat_turns_key ON chat_turns(chat_key, id);

  CREATE TABLE sessions (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;

  CREATE TABLE ingestion_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX ingestion_jobs_status ON ingestion_jobs(status);
  `,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Applies pending migrations; refuses a database written by a newer version of the code. */
export function migrate(db: SqliteDatabase): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`database schema version ${current} is newer than this build supports (${SCHEMA_VERSION}); upgrade docrag`);
  }
  for (let version = current; version < SCHEMA_VERSION; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] ?? '');
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
