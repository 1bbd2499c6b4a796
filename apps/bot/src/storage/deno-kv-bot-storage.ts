/**
 * Bot state in Deno KV, for the edge entry (Deno Deploy gives every deployment a KV database shared by
 * all its isolates): sessions, counters, and the owner-token leases of the in-flight guard, so one
 * user's answers are not run by two isolates at once. Deno's types are not visible to the Node
 * build, so the slice of `Deno.Kv` used here is declared structurally; `await Deno.openKv()` satisfies it.
 */
import type { StorageAdapter } from 'grammy';
import type { Clock } from '@docrag/domain';
import { systemClock } from '@docrag/domain';
import type { SharedCounters } from '../services/counters';
import type { SharedCancel, SharedLock } from '../services/in-flight';
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

/** A lease as stored: the owner's token and its own expiry (KV's `expireIn` is best-effort, as for counters). */
interface LeaseValue {
  readonly token: string;
  readonly expiresAt: number;
}

/** Where a lease lives: `[root, 'lock', key]`. */
const leaseKey = (root: string, k: string): KvKey => [root, 'lock', k];

/** The stored lease while it is live; undefined when missing or past its own expiry. */
const liveLease = (entry: KvEntryMaybe<LeaseValue>, now: number): LeaseValue | undefined =>
  entry.value && entry.value.expiresAt > now ? entry.value : undefined;

/**
 * SharedLock over KV keys `[root, 'lock', key]`, the counterpart of the Redis lock's `SET NX PX` and
 * compare-and-delete/extend scripts. Every change is read, then `atomic().check(versionstamp)`, so
 * it commits only if nobody wrote the key in between: acquire only over a missing or expired lease,
 * renew and release only while the stored token is the caller's and still live. A lost race is
 * read again (the winner may have released, or taken the key); `expireIn` only cleans up keys of
 * isolates that died holding them.
 */
export function createKvLock(kv: KvLike, root: string, clock: Clock = systemClock): SharedLock {
  const key = (k: string): KvKey => leaseKey(root, k);
  const ttl = (ms: number) => Math.max(1, Math.round(ms));
  // The guard's renew timer and its release may overlap; in order, only other isolates make a check fail.
  const serial = keyedQueue();

  /** Runs `attempt` until it decides (returns a result) or the key stays contended too long. */
  async function decide<R>(k: string, attempt: () => Promise<R | 'conflict'>): Promise<R> {
    for (let n = 0; n < MAX_ATTEMPTS; n++) {
      if (n > 0) await pause(Math.random() * Math.min(100, 2 ** n));
      const result = await attempt();
      if (result !== 'conflict') return result;
    }
    throw new Error(`Deno KV lock ${k}: too much contention (${MAX_ATTEMPTS} attempts)`);
  }

  /** Replaces or deletes `k`'s lease if `token` holds it live; false when it does not (expired, or taken). */
  const ifOwner = (k: string, token: string, change: (op: KvAtomicLike, now: number) => KvAtomicLike) =>
    serial(k, () =>
      decide(k, async () => {
        const now = clock.now();
        const entry = await kv.get<LeaseValue>(key(k));
        if (liveLease(entry, now)?.token !== token) return false;
        const result = await change(kv.atomic().check({ key: key(k), versionstamp: entry.versionstamp }), now).commit();
        return result.ok ? true : 'conflict';
      }),
    );

  return {
    acquire: (k, ttlMs) =>
      serial(k, () =>
        decide(k, async () => {
          const now = clock.now();
          const entry = await kv.get<LeaseValue>(key(k));
          if (liveLease(entry, now)) return undefined;
          const lease: LeaseValue = { token: crypto.randomUUID(), expiresAt: now + ttl(ttlMs) };
          const result = await kv
            .atomic()
            .check({ key: key(k), versionstamp: entry.versionstamp })
            .set(key(k), lease, { expireIn: ttl(ttlMs) })
            .commit();
          return result.ok ? lease.token : 'conflict';
        }),
      ),
    renew: (k, token, ttlMs) => ifOwner(k, token, (op, now) => op.set(key(k), { token, expiresAt: now + ttl(ttlMs) } satisfies LeaseValue, { expireIn: ttl(ttlMs) })),
    release: (k, token) => ifOwner(k, token, (op) => op.delete(key(k))),
    holds: async (k, token) => liveLease(await kv.get<LeaseValue>(key(k)), clock.now())?.token === token,
  };
}

/**
 * How often a job's isolate reads its cancel key. A read every half second per running answer is
 * the whole cost; /cancel waits ANSWER_CANCEL_WAIT_MS (3 s by default) for the job to stop.
 */
export const KV_CANCEL_POLL_MS = 500;

/** How long a cancel request stays in KV: past any wait for it, then KV drops it. */
const CANCEL_REQUEST_TTL_MS = 60_000;

/**
 * /cancel across isolates over Deno KV, which has no pub/sub here: a request is written to
 * `[root, 'cancel', key]` naming the token of the lease it found live, and the isolate whose job
 * holds that lease reads the key every `pollMs` while the job runs (`watch`). A request for a
 * lease that has ended since names a token no job holds, so it stops nothing.
 */
export function createKvCancel(kv: KvLike, root: string, options: { clock?: Clock; pollMs?: number } = {}): SharedCancel {
  const clock = options.clock ?? systemClock;
  const pollMs = options.pollMs ?? KV_CANCEL_POLL_MS;
  const requestKey = (k: string): KvKey => [root, 'cancel', k];
  return {
    async request(k) {
      const token = liveLease(await kv.get<LeaseValue>(leaseKey(root, k)), clock.now())?.token;
      if (token === undefined) return undefined;
      await kv.set(requestKey(k), { token } satisfies CancelRequestValue, { expireIn: CANCEL_REQUEST_TTL_MS });
      return token;
    },
    // Requests reach jobs through `watch`; nothing is pushed.
    subscribe: () => () => undefined,
    watch(k, token, onCancel) {
      let stopped = false;
      const stop = () => {
        stopped = true;
        clearInterval(timer);
      };
      const timer = setInterval(() => {
        void kv.get<CancelRequestValue>(requestKey(k)).then(
          (entry) => {
            if (stopped || entry.value?.token !== token) return;
            stop();
            onCancel();
          },
          // A failed read is tried again on the next tick.
          () => undefined,
        );
      }, pollMs);
      (timer as unknown as { unref?: () => void }).unref?.();
      return stop;
    },
  };
}

interface CancelRequestValue {
  readonly token: string;
}

/** Sessions, counters and in-flight leases in Deno KV. `close()` closes the KV handle. */
export function createDenoKvBotStorage(kv: KvLike, options: { root?: string; clock?: Clock } = {}): BotStorage {
  const root = options.root ?? 'docrag';
  return {
    kind: 'deno-kv',
    sessions: <T>(namespace: string) => createKvSessionStorage<T>(kv, root, namespace),
    counters: createKvCounters(kv, root, options.clock),
    locks: createKvLock(kv, root, options.clock),
    cancels: createKvCancel(kv, root, options.clock ? { clock: options.clock } : {}),
    close: async () => kv.close(),
  };
}
