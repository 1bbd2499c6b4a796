import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '@docrag/sqlite-store';
import { FakeClock } from '@docrag/testing';
import type { BotStorage } from './bot-storage';
import { createMemoryBotStorage } from './bot-storage';
import { createSqliteBotStorage } from './sqlite-bot-storage';
import { createRedisBotStorage } from './redis-bot-storage';
import { createDenoKvBotStorage } from './deno-kv-bot-storage';
import { createMemoryKv } from './memory-kv';
import { redisUnavailableReason, startRedisServer } from '../../test/support/redis-server';
import type { RedisServer } from '../../test/support/redis-server';

/**
 * One behaviour for every backend. `clock` drives expiry where the backend takes one; Redis keeps
 * its own time, so its expiry case waits for real (a short TTL).
 */
function runBotStorageContract(name: string, open: (clock: FakeClock) => Promise<BotStorage>, options: { realTime?: boolean; skip?: string } = {}): void {
  const suite = options.skip ? describe.skip : describe;
  suite(`BotStorage contract: ${name}${options.skip ? ` (skipped: ${options.skip})` : ''}`, () => {
    let storage: BotStorage;
    let clock: FakeClock;
    const advance = async (ms: number) => {
      if (options.realTime) await new Promise((r) => setTimeout(r, ms));
      else clock.advance(ms);
    };
    beforeAll(async () => {
      clock = new FakeClock(Date.UTC(2026, 0, 1));
      storage = await open(clock);
    });
    afterAll(() => storage.close());

    it('reads back sessions, per namespace, and deletes them', async () => {
      const sessions = storage.sessions<{ language?: string }>('session:');
      const history = storage.sessions<Array<{ q: string }>>('history:');
      expect(await sessions.read('42')).toBeUndefined();
      await sessions.write('42', { language: 'de' });
      await history.write('42', [{ q: 'first' }]);
      expect(await sessions.read('42')).toEqual({ language: 'de' });
      expect(await history.read('42')).toEqual([{ q: 'first' }]);
      await sessions.delete('42');
      expect(await sessions.read('42')).toBeUndefined();
      expect(await history.read('42')).toEqual([{ q: 'first' }]);
    });

    it('increments counters atomically under concurrency', async () => {
      const { counters } = storage;
      const results = await Promise.all(Array.from({ length: 50 }, () => counters.increment('c:concurrent', 2, 60_000)));
      expect(new Set(results).size).toBe(50);
      expect(Math.max(...results)).toBe(100);
      expect(await counters.get('c:concurrent')).toBe(100);
      expect(await counters.get('c:absent')).toBe(0);
    });

    it('lets exactly one caller claim a key', async () => {
      const claims = await Promise.all(Array.from({ length: 20 }, () => storage.counters.claim('update:1001', 60_000)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await storage.counters.claim('update:1002', 60_000)).toBe(true);
    });

    it('lists live counters by prefix', async () => {
      await storage.counters.increment('usage:2026-01-01:tokens:7', 30, 60_000);
      await storage.counters.increment('usage:2026-01-01:tokens:8', 5, 60_000);
      await storage.counters.increment('usage:2026-01-02:tokens:7', 1, 60_000);
      await storage.counters.increment('usage:2026-01-01:tokens*:9', 1, 60_000);
      expect(await storage.counters.entries('usage:2026-01-01:tokens:')).toEqual([
        ['usage:2026-01-01:tokens:7', 30],
        ['usage:2026-01-01:tokens:8', 5],
      ]);
    });

    it('forgets counters and claims when their time is up, and a window starts fresh', async () => {
      const ttl = options.realTime ? 150 : 1_000;
      await storage.counters.increment('rl:5', 1, ttl);
      await storage.counters.increment('rl:5', 1, ttl);
      expect(await storage.counters.claim('update:ttl', ttl)).toBe(true);
      await advance(ttl / 2);
      // A later increment does not extend the window.
      expect(await storage.counters.increment('rl:5', 1, ttl)).toBe(3);
      await advance(ttl / 2 + (options.realTime ? 100 : 1));
      expect(await storage.counters.get('rl:5')).toBe(0);
      expect(await storage.counters.entries('rl:')).toEqual([]);
      expect(await storage.counters.increment('rl:5', 1, ttl)).toBe(1);
      expect(await storage.counters.claim('update:ttl', ttl)).toBe(true);
    });
  });
}

runBotStorageContract('memory', async (clock) => createMemoryBotStorage(clock));

const dir = mkdtempSync(path.join(tmpdir(), 'docrag-bot-storage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
runBotStorageContract('sqlite', async (clock) => createSqliteBotStorage(openDatabase({ path: path.join(dir, 'contract.sqlite') }).db, clock));
runBotStorageContract('deno-kv (in-memory KV)', async (clock) => createDenoKvBotStorage(createMemoryKv(() => clock.now()), { clock }));

let redis: RedisServer | undefined;
const redisSkip = redisUnavailableReason();
runBotStorageContract(
  'redis',
  async () => {
    redis ??= await startRedisServer();
    return createRedisBotStorage({ url: redis.url, keyPrefix: `contract-${Date.now()}:` });
  },
  { realTime: true, ...(redisSkip ? { skip: redisSkip } : {}) },
);
afterAll(async () => redis?.stop());

describe('SQLite bot storage', () => {
  it('keeps sessions and counters across a reopen of the file, and shares them between two connections', async () => {
    const file = path.join(dir, 'reopen.sqlite');
    const first = openDatabase({ path: file }).db;
    const a = createSqliteBotStorage(first);
    await a.sessions<string[]>('history:').write('chat:1', ['turn']);
    await a.counters.increment('usage:tokens:1', 500, 86_400_000);
    const second = openDatabase({ path: file }).db;
    const b = createSqliteBotStorage(second);
    expect(await b.counters.increment('usage:tokens:1', 1, 86_400_000)).toBe(501);
    first.close();
    second.close();
    const reopened = createSqliteBotStorage(openDatabase({ path: file }).db);
    expect(await reopened.sessions<string[]>('history:').read('chat:1')).toEqual(['turn']);
    expect(await reopened.counters.get('usage:tokens:1')).toBe(501);
  });
});

describe('Redis bot storage', () => {
  it('names REDIS_URL (without the password) when it cannot connect', async () => {
    await expect(createRedisBotStorage({ url: 'redis://user:hunter2@127.0.0.1:9', connectTimeoutMs: 500 })).rejects.toThrow(
      /REDIS_URL \(redis:\/\/user:\*\*\*@127\.0\.0\.1:9\)/,
    );
  });
});

describe('Deno KV counters across isolates', () => {
  it('two counter instances over one KV (two isolates) never lose an increment or double-claim', async () => {
    const kv = createMemoryKv();
    const a = createDenoKvBotStorage(kv).counters;
    const b = createDenoKvBotStorage(kv).counters;
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).increment('budget:1', 1, 60_000)));
    expect(await a.get('budget:1')).toBe(40);
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).claim('update:9', 60_000)));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });
});
