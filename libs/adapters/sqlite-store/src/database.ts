import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { load as loadSqliteVec } from 'sqlite-vec';
import { migrate } from './migrations';

/** A better-sqlite3 connection (the only vendor type this adapter exposes). */
export type SqliteDatabase = Database.Database;

export interface OpenDatabaseOptions {
  /** File path, or `:memory:` for tests. Parent folders are created. */
  readonly path: string;
  /**
   * `normal` (default) keeps every committed transaction across a process crash (kill -9) in WAL
   * mode; only an OS crash or power cut can lose the last transactions (sqlite.org/wal.html,
   * "Durability"). `full` also survives those, at the price of an fsync per commit.
   */
  readonly synchronous?: 'normal' | 'full';
  /** How long a writer waits for another connection's lock before failing (ms). Default 5000. */
  readonly busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) the single database file that holds the vector index, the file
 * registry, chat history, bot sessions and ingestion jobs, and brings its schema up to date.
 * sqlite-vec is loaded when its binary is available; without it the store still works sparse-only.
 */
export function openDatabase(options: OpenDatabaseOptions): { db: SqliteDatabase; vectorExtension: boolean } {
  if (options.path !== ':memory:') mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true });
  const db = new Database(options.path, { timeout: options.busyTimeoutMs ?? 5000 });
  // WAL: readers never block the writer and a crash leaves the main file consistent.
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  // Keep the hot part of the inverted index in memory: 64 MiB page cache, 256 MiB mmap.
  db.pragma('cache_size = -65536');
  db.pragma('mmap_size = 268435456');
  db.pragma('temp_store = MEMORY');
  let vectorExtension = false;
  try {
    loadSqliteVec(db);
    vectorExtension = true;
  } catch {
    // No prebuilt sqlite-vec for this platform: dense search is refused with a clear error later.
  }
  migrate(db);
  return { db, vectorExtension };
}
