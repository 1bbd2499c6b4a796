/**
 * An in-process implementation of the `Deno.Kv` subset in {@link KvLike}, with versionstamps and
 * atomic checks. Used where no KV is available (local runs of the edge entry without
 * `--unstable-kv`, Node tests of the KV adapters).
 */
import type { KvAtomicLike, KvEntryMaybe, KvKey, KvLike } from './deno-kv-bot-storage';

interface Slot {
  value: unknown;
  versionstamp: string;
  expiresAt?: number;
}

const encode = (key: KvKey): string => JSON.stringify(key.map((p) => (p instanceof Uint8Array ? [...p] : typeof p === 'bigint' ? `${p}n` : p)));

export function createMemoryKv(now: () => number = () => Date.now()): KvLike {
  const slots = new Map<string, Slot & { key: KvKey }>();
  let version = 0;
  const stamp = () => (++version).toString(16).padStart(20, '0');
  const live = (id: string) => {
    const slot = slots.get(id);
    if (slot?.expiresAt !== undefined && slot.expiresAt <= now()) {
      slots.delete(id);
      return undefined;
    }
    return slot;
  };
  const write = (key: KvKey, value: unknown, options?: { expireIn?: number }) => {
    // Structured clone, as Deno KV stores a copy rather than the caller's object.
    slots.set(encode(key), {
      key,
      value: structuredClone(value),
      versionstamp: stamp(),
      ...(options?.expireIn !== undefined ? { expiresAt: now() + options.expireIn } : {}),
    });
  };
  return {
    async get<T>(key: KvKey): Promise<KvEntryMaybe<T>> {
      const slot = live(encode(key));
      return slot ? { key, value: structuredClone(slot.value) as T, versionstamp: slot.versionstamp } : { key, value: null, versionstamp: null };
    },
    async set(key, value, options) {
      write(key, value, options);
      return { ok: true };
    },
    async delete(key) {
      slots.delete(encode(key));
    },
    async *list<T>(selector: { prefix: KvKey }) {
      const head = encode(selector.prefix).slice(0, -1);
      const matching = [...slots].filter(([id]) => id.startsWith(`${head},`)).sort(([a], [b]) => (a < b ? -1 : 1));
      for (const [id, slot] of matching) {
        if (!live(id)) continue;
        yield { key: slot.key, value: structuredClone(slot.value) as T, versionstamp: slot.versionstamp };
      }
    },
    atomic(): KvAtomicLike {
      const checks: { key: KvKey; versionstamp: string | null }[] = [];
      const sets: { key: KvKey; value?: unknown; options?: { expireIn?: number }; remove?: true }[] = [];
      const op: KvAtomicLike = {
        check: (...more) => {
          checks.push(...more);
          return op;
        },
        set: (key, value, options) => {
          sets.push({ key, value, ...(options ? { options } : {}) });
          return op;
        },
        delete: (key) => {
          sets.push({ key, remove: true });
          return op;
        },
        commit: async () => {
          // Checks and writes run without an await in between: atomic within this process.
          for (const check of checks) if ((live(encode(check.key))?.versionstamp ?? null) !== check.versionstamp) return { ok: false };
          for (const s of sets) {
            if (s.remove) slots.delete(encode(s.key));
            else write(s.key, s.value, s.options);
          }
          return { ok: true };
        },
      };
      return op;
    },
    close() {
      slots.clear();
    },
  };
}
