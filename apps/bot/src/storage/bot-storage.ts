/**
 * Where the bot keeps state that must outlive an update: grammY sessions (and the conversation
 * history stored through them) and the shared counters (rate limits, daily token budgets, webhook
 * dedupe). One interface, three backends: the embedded SQLite file (default), Redis (`REDIS_URL`,
 * several bot processes), Deno KV (edge). This file imports no backend, so the edge can use it.
 */
import type { StorageAdapter } from 'grammy';
import { MemorySessionStorage } from 'grammy';
import type { Clock } from '@docrag/domain';
import { createMemoryCounters } from '../services/counters';
import type { SharedCounters } from '../services/counters';
import type { SharedCancel, SharedLock } from '../services/in-flight';

export interface BotStorage {
  /** `sqlite`, `redis`, `deno-kv` or `memory`: for logs and /stats. */
  readonly kind: string;
  /**
   * A session storage adapter whose keys live under `namespace` (e.g. `session:`, `history:`), so
   * sessions and history share one backend without colliding.
   */
  sessions<T>(namespace: string): StorageAdapter<T>;
  readonly counters: SharedCounters;
  /**
   * Leases shared by every process of the bot (one answer in flight per user across replicas).
   * Only backends several processes share provide it (Redis, Deno KV); without it the guard is process-local.
   */
  readonly locks?: SharedLock;
  /** Cancel requests to the process holding a lease (/cancel sent to another replica or isolate); with `locks` only. */
  readonly cancels?: SharedCancel;
  /** Releases connections; the SQLite database itself belongs to whoever opened it. */
  close(): Promise<void>;
}

/** Prefixes every key of a storage adapter. */
export function namespaced<T>(storage: StorageAdapter<T>, namespace: string): StorageAdapter<T> {
  return {
    read: (key) => storage.read(namespace + key),
    write: (key, value) => storage.write(namespace + key, value),
    delete: (key) => storage.delete(namespace + key),
  };
}

/** Process-local storage: tests and single-run tools; nothing survives a restart. */
export function createMemoryBotStorage(clock?: Clock): BotStorage {
  const sessions = new MemorySessionStorage<unknown>();
  return {
    kind: 'memory',
    sessions: <T>(namespace: string) => namespaced(sessions as StorageAdapter<T>, namespace),
    counters: createMemoryCounters(clock),
    close: async () => undefined,
  };
}
