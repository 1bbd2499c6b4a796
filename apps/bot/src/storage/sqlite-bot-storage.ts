/**
 * Bot state in the embedded SQLite file: sessions through @docrag/sqlite-store's key/value table,
 * counters in a small table of their own. Several processes on one host may share the file: every
 * counter update is one statement, and SQLite serialises writers (WAL, busy timeout).
 */
import type { StorageAdapter } from 'grammy';
import type { Clock } from '@docrag/domain';
import { systemClock } from '@docrag/domain';
import { SqliteSessionStorage } from '@docrag/sqlite-store';
import type { SqliteDatabase } from '@docrag/sqlite-store';
import type { SharedCounters } from '../services/counters';
import type { BotStorage } from './bot-storage';
import { namespaced } from './bot-storage';

/** Expired counters are deleted after this many writes (cheap, bounded table growth). */
const SWEEP_EVERY_WRITES = 500;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS bot_counters (
  key        TEXT PRIMARY KEY,
  value      INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS bot_counters_expiry ON bot_counters(expires_at);
`;

/** SharedCounters over SQLite: INSERT ... ON CONFLICT ... RETURNING makes each update atomic. */
export function createSqliteCounters(db: SqliteDatabase, clock: Clock = systemClock): SharedCounters {
  db.exec(SCHEMA);
  const increment = db.prepare<{ key: string; by: number; now: number; expires: number }, { value: number }>(`
    INSERT INTO bot_counters(key, value, expires_at) VALUES (@key, @by, @expires)
    ON CONFLICT(key) DO UPDATE SET
      value      = CASE WHEN expires_at <= @now THEN excluded.value ELSE value + excluded.value END,
      expires_at = CASE WHEN expires_at <= @now THEN excluded.expires_at ELSE expires_at END
    RETURNING value`);
  const get = db.prepare<{ key: string; now: number }, { value: number }>('SELECT value FROM bot_counters WHERE key = @key AND expires_at > @now');
  const entries = db.prepare<{ from: string; to: string; now: number }, { key: string; value: number }>(
    'SELECT key, value FROM bot_counters WHERE key >= @from AND key < @to AND expires_at > @now ORDER BY key',
  );
  // The WHERE on DO UPDATE makes a live key a no-op, so RETURNING yields no row: the claim failed.
  const claim = db.prepare<{ key: string; now: number; expires: number }, { value: number }>(`
    INSERT INTO bot_counters(key, value, expires_at) VALUES (@key, 1, @expires)
    ON CONFLICT(key) DO UPDATE SET value = 1, expires_at = excluded.expires_at WHERE expires_at <= @now
    RETURNING value`);
  const sweep = db.prepare<{ now: number }>('DELETE FROM bot_counters WHERE expires_at <= @now');
  let writes = 0;
  const wrote = (now: number) => {
    if (++writes % SWEEP_EVERY_WRITES === 0) sweep.run({ now });
  };

  return {
    async increment(key, by, ttlMs) {
      const now = clock.now();
      const row = increment.get({ key, by, now, expires: now + ttlMs });
      wrote(now);
      return row?.value ?? by;
    },
    async get(key) {
      return get.get({ key, now: clock.now() })?.value ?? 0;
    },
    async entries(prefix) {
      // A range scan on the primary key: every key starting with `prefix` sorts in [prefix, prefix + U+FFFF).
      return entries.all({ from: prefix, to: `${prefix}\uffff`, now: clock.now() }).map((r) => [r.key, r.value] as [string, number]);
    },
    async claim(key, ttlMs) {
      const now = clock.now();
      const row = claim.get({ key, now, expires: now + ttlMs });
      wrote(now);
      return row !== undefined;
    },
  };
}

/** Sessions and counters in the database the vector store already opened (`DATA_DIR/docrag.sqlite`). */
export function createSqliteBotStorage(db: SqliteDatabase, clock: Clock = systemClock): BotStorage {
  const sessions = new SqliteSessionStorage<unknown>(db, clock);
  return {
    kind: 'sqlite',
    sessions: <T>(namespace: string) => namespaced(sessions as unknown as StorageAdapter<T>, namespace),
    counters: createSqliteCounters(db, clock),
    close: async () => undefined,
  };
}
