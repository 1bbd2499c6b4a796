/**
 * Counters shared by every bot process: daily token budgets, usage statistics, the incoming
 * message rate limit and webhook update dedupe. One process keeps them in memory; several
 * processes share them through Redis (or Deno KV on the edge) by implementing this interface in
 * apps/bot/src/storage/.
 */
import type { Clock } from '@docrag/domain';

export interface SharedCounters {
  /** Adds `by` to the counter (creating it at 0 with a lifetime of `ttlMs`) and returns the new value. */
  increment(key: string, by: number, ttlMs: number): Promise<number>;
  /** The counter's value, 0 when absent or expired. */
  get(key: string): Promise<number>;
  /** Live counters whose key starts with `prefix` (admin usage view). */
  entries(prefix: string): Promise<Array<[key: string, value: number]>>;
  /**
   * Marks `key` as seen for `ttlMs`. Returns true only for the first caller, atomically across
   * processes (Redis `SET NX PX`), so a redelivered webhook update is handled once.
   */
  claim(key: string, ttlMs: number): Promise<boolean>;
  close?(): Promise<void>;
}

interface Slot {
  value: number;
  expiresAt: number;
}

/** Process-local counters. Expired keys are dropped lazily and on a bounded sweep. */
export function createMemoryCounters(clock: Clock = { now: () => Date.now() }, maxKeys = 100_000): SharedCounters {
  const slots = new Map<string, Slot>();
  const live = (key: string): Slot | undefined => {
    const slot = slots.get(key);
    if (slot && slot.expiresAt <= clock.now()) {
      slots.delete(key);
      return undefined;
    }
    return slot;
  };
  const sweep = () => {
    if (slots.size < maxKeys) return;
    const now = clock.now();
    for (const [key, slot] of slots) if (slot.expiresAt <= now) slots.delete(key);
    // Still full: drop the oldest insertions (Map keeps insertion order).
    for (const key of slots.keys()) {
      if (slots.size < maxKeys) break;
      slots.delete(key);
    }
  };
  return {
    async increment(key, by, ttlMs) {
      const slot = live(key);
      if (slot) {
        slot.value += by;
        return slot.value;
      }
      sweep();
      slots.set(key, { value: by, expiresAt: clock.now() + ttlMs });
      return by;
    },
    async get(key) {
      return live(key)?.value ?? 0;
    },
    async entries(prefix) {
      const out: Array<[string, number]> = [];
      for (const key of [...slots.keys()]) {
        if (!key.startsWith(prefix)) continue;
        const slot = live(key);
        if (slot) out.push([key, slot.value]);
      }
      return out;
    },
    async claim(key, ttlMs) {
      if (live(key)) return false;
      sweep();
      slots.set(key, { value: 1, expiresAt: clock.now() + ttlMs });
      return true;
    },
  };
}

/**
 * Presents counters as the tiny Redis subset @grammyjs/ratelimiter needs (`incr` + `pexpire`), so
 * the incoming-message limit is shared exactly like budgets are, whatever backs the counters.
 */
export function ratelimiterStore(counters: SharedCounters, windowMs: number): { incr(key: string): Promise<number>; pexpire(key: string, ms: number): Promise<number> } {
  return {
    incr: (key) => counters.increment(`ratelimit:${key}`, 1, windowMs),
    // The window is fixed when the key is created by `increment`; nothing to extend.
    pexpire: async () => 1,
  };
}
