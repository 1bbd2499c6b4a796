import type { Clock } from '@docrag/domain';
import { systemClock } from '@docrag/domain';
import type { SqliteDatabase } from './database';
import { guard } from './errors';

/**
 * Key/value storage for bot sessions with the shape of grammY's `StorageAdapter<T>`
 * (grammY src/convenience/session.ts: `read`, `write`, `delete`, optional `readAllKeys`), so the bot
 * can pass it to `session({ storage })` without this library importing grammy. Values are JSON.
 */
export interface SessionStorage<T> {
  read(key: string): Promise<T | undefined>;
  write(key: string, value: T): Promise<void>;
  delete(key: string): Promise<void>;
  readAllKeys(): AsyncIterable<string>;
}

export class SqliteSessionStorage<T> implements SessionStorage<T> {
  private readonly stmt;

  constructor(
    db: SqliteDatabase,
    private readonly clock: Clock = systemClock,
  ) {
    this.stmt = {
      read: db.prepare<[string], { value: string }>('SELECT value FROM sessions WHERE key = ?'),
      write: db.prepare(
        'INSERT INTO sessions(key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      ),
      delete: db.prepare('DELETE FROM sessions WHERE key = ?'),
      keys: db.prepare<[], { key: string }>('SELECT key FROM sessions ORDER BY key'),
    };
  }

  read(key: string): Promise<T | undefined> {
    return guard(undefined, () => {
      const row = this.stmt.read.get(key);
      return row === undefined ? undefined : (JSON.parse(row.value) as T);
    });
  }

  write(key: string, value: T): Promise<void> {
    return guard(undefined, () => {
      const json = JSON.stringify(value);
      // JSON.stringify(undefined) is undefined: writing "nothing" means deleting the session.
      if (json === undefined) this.stmt.delete.run(key);
      else this.stmt.write.run(key, json, this.clock.now());
    });
  }

  delete(key: string): Promise<void> {
    return guard(undefined, () => {
      this.stmt.delete.run(key);
    });
  }

  async *readAllKeys(): AsyncIterable<string> {
    const keys = await guard(undefined, () => this.stmt.keys.all().map((r) => r.key));
    yield* keys;
  }
}
