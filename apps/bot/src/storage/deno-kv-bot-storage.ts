/**
 * Bot state in Deno KV, for the edge entry (Deno Deploy gives every deployment a KV database shared by
 * all its isolates). Deno's types are not visible to the Node build, so the slice of `Deno.Kv` used
 * here is declared structurally; `await Deno.openKv()` satisfies it.
 */
import type { StorageAdapter } from 'grammy';
import type { Clock } from '@docrag/domain';
import { systemClock } from '@docrag/domain';
import type { SharedCounters } from '../services/counters';
import type { BotStorage } from './bot-storage';

export type KvKeyPart = string | number | bigint | boolean | Uint8Array;
export type KvKey = readonly KvKeyPart[];

export interface KvEntryMaybe<T> {
  readonly key: KvKey;
  readonly value: T | null;
  readonly versionstamp: string | null;
}

export interface KvAtomicLike {
  check(...checks: { key: KvKey; versionstamp: string | null }[]): KvAtomicLike;
  set(key: KvKey, value: unknown, options?: { expireIn?: number }): KvAtomicLike;
  delete(key: KvKey): KvAtomicLike;
  commit(): Promise<{ ok: boolean }>;
}

/** The subset of `Deno.Kv` the bot uses. */
export interface KvLike {
  get<T = unknown>(key: KvKey): Promise<KvEntryMaybe<T>>;
  set(key: KvKey, value: unknown, options?: { expireIn?: number }): Promise<unknown>;
  delete(key: KvKey): Promise<void>;
  list<T = unknown>(selector: { prefix: KvKey }, options?: { limit?: number; batchSize?: number }): AsyncIterable<{ key: KvKey; value: T; versionstamp: string }>;
  atomic(): KvAtomicLike;
  close(): void;
}

/** A counter as stored: the expiry travels with the value because KV's `expireIn` is best-effort (deletion may lag). */
interface CounterValue {
  readonly value: number;
  readonly expiresAt: number;
}

/** Optimistic-concurrency retries before an update gives up (cross-isolate contention on one key is rare). */
const MAX_ATTEMPTS = 30;

/**
 * Runs updates of one key one after another inside this isolate, so the optimistic check only
 * ever races other isolates; without it, N concurrent updates here cost O(N^2) failed commits.
 */
function keyedQueue(): <R>(key: string, task: () => Promise<R>) => Promise<R> {
  const tails = new Map<string, Promise<unknown>>();
  return (key, task) => {
    const previous = tails.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Session adapter over KV keys `[root, namespace, key]`; values are stored as structured clones. */
export function createKvSessionStorage<T>(kv: KvLike, root: string, namespace: string): StorageAdapter<T> {
  const key = (k: string): KvKey => [root, namespace, k];
  return {
    async read(k) {
      const entry = await kv.get<T>(key(k));
      return entry.value ?? undefined;
    },
    async write(k, value) {
      await kv.set(key(k), value);
    },
    async delete(k) {
      await kv.delete(key(k));
    },
  };
}

/**
 * SharedCounters over KV: read, then `atomic().check(versionstamp).set()`, retried on conflict,
 * which is how Deno KV does atomic read-modify-write (docs.deno.com/deploy/kv/manual/transactions).
 */
export function createKvCounters(kv: KvLike, root: string, clock: Clock = systemClock): SharedCounters {
  const key = (k: string): KvKey => [root, 'counter', k];
  const live = (entry: KvEntryMaybe<CounterValue>, now: number): CounterValue | undefined =>
    entry.value && entry.value.expiresAt > now ? entry.value : undefined;
  const serial = keyedQueue();

  const increment = async (k: string, by: number, ttlMs: number): Promise<number> => {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      // Another isolate won the last round: back off a little, with jitter, before re-reading.
      if (attempt > 0) await pause(Math.random() * Math.min(100, 2 ** attempt));
      const now = clock.now();
      const entry = await kv.get<CounterValue>(key(k));
      const current = live(entry, now);
      const next: CounterValue = current ? { value: current.value + by, expiresAt: current.expiresAt } : { value: by, expiresAt: now + ttlMs };
      const result = await kv
        .atomic()
        .check({ key: key(k), versionstamp: entry.versionstamp })
        .set(key(k), next, { expireIn: Math.max(1, next.expiresAt - now) })
        .commit();
      if (result.ok) return next.value;
    }
    throw new Error(`Deno KV counter ${k}: too much contention (${MAX_ATTEMPTS} attempts)`);
  };

  const claim = async (k: string, ttlMs: number): Promise<boolean> => {
    const now = clock.now();
    const entry = await kv.get<CounterValue>(key(k));
    if (live(entry, now)) return false;
    const result = await kv
      .atomic()
      .check({ key: key(k), versionstamp: entry.versionstamp })
      .set(key(k), { value: 1, expiresAt: now + ttlMs } satisfies CounterValue, { expireIn: ttlMs })
      .commit();
    // A failed check means another isolate claimed (or refreshed) it between our read and write.
    return result.ok;
  };

  return {
    increment: (k, by, ttlMs) => serial(k, () => increment(k, by, ttlMs)),
    claim: (k, ttlMs) => serial(k, () => claim(k, ttlMs)),
    async get(k) {
      return live(await kv.get<CounterValue>(key(k)), clock.now())?.value ?? 0;
    },
    async entries(prefix) {
      const now = clock.now();
      const out: Array<[string, number]> = [];
      // KV lists by key-part prefix, not string prefix: list the counters and filter.
      for await (const entry of kv.list<CounterValue>({ prefix: [root, 'counter'] })) {
        const name = entry.key[2];
        if (typeof name === 'string' && name.startsWith(prefix) && entry.value.expiresAt > now) out.push([name, entry.value.value]);
      }
      return out.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    },
  };
}

/** Sessions and counters in Deno KV. `close()` closes the KV handle. */
export function createDenoKvBotStorage(kv: KvLike, options: { root?: string; clock?: Clock } = {}): BotStorage {
  const root = options.root ?? 'docrag';
  return {
    kind: 'deno-kv',
    sessions: <T>(namespace: string) => createKvSessionStorage<T>(kv, root, namespace),
    counters: createKvCounters(kv, root, options.clock),
    close: async () => kv.close(),
  };
}
