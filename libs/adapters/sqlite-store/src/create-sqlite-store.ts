import type { Clock } from '@docrag/domain';
import { systemClock } from '@docrag/domain';
import type { OpenDatabaseOptions, SqliteDatabase } from './database';
import { openDatabase } from './database';
import { SqliteChatHistory } from './sqlite-chat-history';
import { SqliteFileRegistry } from './sqlite-file-registry';
import { SqliteIngestionJobs } from './sqlite-ingestion-jobs';
import { SqliteSessionStorage } from './sqlite-session-storage';
import { SqliteVectorStore } from './sqlite-vector-store';

export interface SqliteStoreOptions extends OpenDatabaseOptions {
  /** See `SqliteVectorStoreOptions.sparseModel`. */
  readonly sparseModel?: string;
  /** See `SqliteVectorStoreOptions.prefetchLimit`. */
  readonly prefetchLimit?: number;
  readonly clock?: Clock;
}

/** Everything the embedded default keeps, over one database file. */
export interface SqliteStore {
  readonly vectorStore: SqliteVectorStore;
  readonly registry: SqliteFileRegistry;
  readonly history: SqliteChatHistory;
  readonly jobs: SqliteIngestionJobs;
  /** Session storage for the bot (grammY `StorageAdapter` shape). */
  sessions<T>(): SqliteSessionStorage<T>;
  /** The underlying connection, for backups and diagnostics. */
  readonly db: SqliteDatabase;
  /** Checkpoints the WAL and closes the file (as does `vectorStore.close()`). Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the embedded store at `path` (the bot uses `DATA_DIR/docrag.sqlite`).
 *
 * @example
 * const store = createSqliteStore({ path: '.data/docrag.sqlite', sparseModel: embedderInfo.sparseModel });
 * await store.vectorStore.ensureReady({ dimension: embedderInfo.dimension });
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const { db, vectorExtension } = openDatabase(options);
  const clock = options.clock ?? systemClock;
  let closed = false;
  const close = (): Promise<void> => {
    if (!closed) {
      closed = true;
      if (db.open) {
        // Fold the WAL back into the main file so a copied .sqlite is complete on its own.
        if (options.path !== ':memory:') db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
      }
    }
    return Promise.resolve();
  };
  const vectorStore = new SqliteVectorStore({
    db,
    vectorExtension,
    onClose: close,
    ...(options.sparseModel === undefined ? {} : { sparseModel: options.sparseModel }),
    ...(options.prefetchLimit === undefined ? {} : { prefetchLimit: options.prefetchLimit }),
  });
  return {
    vectorStore,
    registry: new SqliteFileRegistry(db),
    history: new SqliteChatHistory(db),
    jobs: new SqliteIngestionJobs(db, clock),
    sessions: <T>() => new SqliteSessionStorage<T>(db, clock),
    db,
    close,
  };
}
