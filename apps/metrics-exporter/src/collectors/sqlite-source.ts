import { existsSync } from 'node:fs';
import type { SqliteDatabase } from '@docrag/sqlite-store';
import { SqliteIngestionJobs, SqliteVectorStore } from '@docrag/sqlite-store';
import Database from 'better-sqlite3';

/** The embedded store, opened read-only, for the stats and backlog collectors. */
export interface SqliteStatsSource {
  readonly path: string;
  /** Opens the file on first use (the bot may create it after the exporter starts). */
  open(): { store: SqliteVectorStore; jobs: SqliteIngestionJobs };
  close(): void;
}

/**
 * Opens the bot's SQLite file READ-ONLY. `createSqliteStore` would open it read-write and run
 * migrations: the exporter must never change or lock the file the bot writes. The store's own
 * `stats()` and job `counts()` then run on this connection (better-sqlite3 prepares write
 * statements on a read-only connection without error; only running them would fail). WAL mode lets
 * this reader work while the bot writes (sqlite.org/wal.html).
 */
export function createSqliteStatsSource(path: string): SqliteStatsSource {
  let db: SqliteDatabase | undefined;
  let opened: { store: SqliteVectorStore; jobs: SqliteIngestionJobs } | undefined;
  return {
    path,
    open() {
      if (opened) return opened;
      if (!existsSync(path)) throw new Error(`embedded store ${path} does not exist yet (has the bot started with DATA_DIR pointing here?)`);
      db = new Database(path, { readonly: true, fileMustExist: true, timeout: 1_000 });
      opened = { store: new SqliteVectorStore({ db, vectorExtension: false }), jobs: new SqliteIngestionJobs(db) };
      return opened;
    },
    close() {
      db?.close();
      db = undefined;
      opened = undefined;
    },
  };
}
