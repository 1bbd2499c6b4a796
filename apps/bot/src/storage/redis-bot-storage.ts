/**
 * Bot state in Redis (`REDIS_URL`), shared by every bot process: sessions through
 * @grammyjs/storage-redis, counters with atomic INCRBY/PEXPIRE (one Lua script) and SET NX PX,
 * owner-token leases (the in-flight guard) and cancel requests between processes (pub/sub on
 * `<prefix>cancel`, one subscriber connection per storage). The only file that imports ioredis.
 */
import { randomUUID } from 'node:crypto';
import { RedisAdapter } from '@grammyjs/storage-redis';
import { Redis } from 'ioredis';
import type { StorageAdapter } from 'grammy';
import type { SharedCounters } from '../services/counters';
import type { SharedCancel, SharedLock } from '../services/in-flight';
import type { BotStorage } from './bot-storage';

export interface RedisBotStorageOptions {
  /** `REDIS_URL`, e.g. `redis://127.0.0.1:6379/0`. */
  readonly url: string;
  /** Prefix of every key this bot writes (default `docrag:`), so one Redis can serve several bots. */
  readonly keyPrefix?: string;
  /** Session lifetime in seconds (`SESSION_TTL_SECONDS`); 0 = forever (default). */
  readonly sessionTtlSeconds?: number;
  /** Connection timeout (default 5 s): a wrong URL fails start-up instead of hanging it. */
  readonly connectTimeoutMs?: number;
  /**
   * Connection problems after start-up (ioredis reconnects by itself and emits each failure).
   * Default: one line on stderr at most every 30 s. Commands issued meanwhile fail on their own.
   */
  readonly onError?: (error: Error) => void;
}

function throttledStderr(intervalMs: number): (error: Error) => void {
  let last = 0;
  return (error) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    process.stderr.write(`redis: ${error.message}\n`);
  };
}

/**
 * INCRBY, and set the lifetime only when the key has none (it was just created), so a window or
 * a day is fixed by its first event. In a script so no other client can run between the two.
 */
const INCREMENT_SCRIPT = `
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value`;

/** Escapes Redis glob characters so a prefix matches literally in SCAN MATCH. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

export function createRedisCounters(redis: Redis, keyPrefix: string): SharedCounters {
  const counterPrefix = `${keyPrefix}counter:`;
  return {
    async increment(key, by, ttlMs) {
      const value = await redis.eval(INCREMENT_SCRIPT, 1, counterPrefix + key, Math.round(by), Math.max(1, Math.round(ttlMs)));
      return Number(value);
    },
    async get(key) {
      const value = await redis.get(counterPrefix + key);
      return value === null ? 0 : Number(value);
    },
    async entries(prefix) {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `${globEscape(counterPrefix + prefix)}*`, 'COUNT', 1000);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== '0');
      if (keys.length === 0) return [];
      const unique = [...new Set(keys)].sort();
      const values = await redis.mget(unique);
      const out: Array<[string, number]> = [];
      unique.forEach((k, i) => {
        const value = values[i];
        if (value !== null && value !== undefined) out.push([k.slice(counterPrefix.length), Number(value)]);
      });
      return out;
    },
    async claim(key, ttlMs) {
      const result = await redis.set(counterPrefix + key, '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX');
      return result === 'OK';
    },
  };
}

/**
 * Compare-and-delete / compare-and-extend: a plain DEL or PEXPIRE after a GET would let a process
 * whose lease expired between the two delete or extend the lease another process has taken since.
 * (The single-instance lock of the Redis docs, "Distributed locks with Redis".)
 */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/** Where leases live (`<prefix>lock:<key>`) and where cancel requests are published. */
const lockPrefixOf = (keyPrefix: string) => `${keyPrefix}lock:`;
const cancelChannelOf = (keyPrefix: string) => `${keyPrefix}cancel`;

/** Leases as `SET key token NX PX ttl` with a random token per acquisition; keys live under `<prefix>lock:`. */
export function createRedisLock(redis: Redis, keyPrefix: string): SharedLock {
  const lockPrefix = lockPrefixOf(keyPrefix);
  const ttl = (ms: number) => Math.max(1, Math.round(ms));
  return {
    async acquire(key, ttlMs) {
      const token = randomUUID();
      const result = await redis.set(lockPrefix + key, token, 'PX', ttl(ttlMs), 'NX');
      return result === 'OK' ? token : undefined;
    },
    async renew(key, token, ttlMs) {
      return Number(await redis.eval(RENEW_SCRIPT, 1, lockPrefix + key, token, ttl(ttlMs))) === 1;
    },
    async release(key, token) {
      return Number(await redis.eval(RELEASE_SCRIPT, 1, lockPrefix + key, token)) === 1;
    },
    async holds(key, token) {
      // An expired key is gone in Redis, so a plain GET is the lease's state.
      return (await redis.get(lockPrefix + key)) === token;
    },
  };
}

/**
 * Publishes a cancel request only while the lease is held, naming its token, in one script so the
 * check and the publish see the same holder, and returns the token (nil when the key is free). The
 * message is JSON `{key, token}` (key without prefix).
 */
const CANCEL_SCRIPT = `
local token = redis.call('GET', KEYS[1])
if not token then return false end
redis.call('PUBLISH', ARGV[1], cjson.encode({key = ARGV[2], token = token}))
return token`;

/**
 * Cancel requests over pub/sub: `request` publishes on `<prefix>cancel` from the shared connection;
 * `subscriber` is a connection of its own (a subscribed connection can run no other command) that
 * delivers every request, this process's included, to the handlers. A request that is lost (no
 * subscriber connected at that moment) only leaves that answer running until it ends by itself.
 */
export function createRedisCancel(redis: Redis, subscriber: Redis, keyPrefix: string, onError: (error: Error) => void): SharedCancel {
  const channel = cancelChannelOf(keyPrefix);
  const lockPrefix = lockPrefixOf(keyPrefix);
  const handlers = new Set<(key: string, token: string) => void>();
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    let request: { key?: unknown; token?: unknown };
    try {
      request = JSON.parse(message) as typeof request;
    } catch {
      return;
    }
    if (typeof request.key !== 'string' || typeof request.token !== 'string') return;
    for (const handler of handlers) {
      try {
        handler(request.key, request.token);
      } catch (error) {
        onError(error as Error);
      }
    }
  });
  return {
    async request(key) {
      // A Lua `false` comes back as nil (null).
      const token = await redis.eval(CANCEL_SCRIPT, 1, lockPrefix + key, channel, key);
      return typeof token === 'string' ? token : undefined;
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
  };
}

/** Connects (failing fast with a message naming REDIS_URL) and returns the shared storage. */
export async function createRedisBotStorage(options: RedisBotStorageOptions): Promise<BotStorage> {
  const keyPrefix = options.keyPrefix ?? 'docrag:';
  const redis = new Redis(options.url, {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    // Fail commands instead of queueing them forever while Redis is down; the bot reports it.
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
  });
  const onError = options.onError ?? throttledStderr(30_000);
  // Without a listener ioredis prints "Unhandled error event" with a stack for every failed reconnect.
  redis.on('error', onError);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(`cannot connect to Redis at REDIS_URL (${redactUrl(options.url)}): ${(error as Error).message}`, { cause: error });
  }
  const ttl = options.sessionTtlSeconds && options.sessionTtlSeconds > 0 ? options.sessionTtlSeconds : undefined;
  // The subscriber never fails start-up: its errors are reported and ioredis reconnects and
  // resubscribes by itself. Until it is subscribed, cancels from other processes miss this one.
  // `maxRetriesPerRequest: null` keeps SUBSCRIBE queued until a connection is up.
  const subscriber = redis.duplicate({ maxRetriesPerRequest: null, lazyConnect: false });
  subscriber.on('error', onError);
  const cancels = createRedisCancel(redis, subscriber, keyPrefix, onError);
  let closing = false;
  const subscribed = subscriber.subscribe(cancelChannelOf(keyPrefix)).then(
    () => undefined,
    (error: Error) => {
      if (!closing) onError(error);
    },
  );
  // Normally a few ms (Redis just answered PING); bounded so a subscriber problem cannot hold up start-up.
  let waited: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([subscribed, new Promise((r) => (waited = setTimeout(r, options.connectTimeoutMs ?? 5_000)))]);
  clearTimeout(waited);
  return {
    kind: 'redis',
    sessions: <T>(namespace: string): StorageAdapter<T> =>
      new RedisAdapter<T>({ instance: redisWithPrefix(redis, `${keyPrefix}${namespace}`), ...(ttl ? { ttl } : {}) }),
    counters: createRedisCounters(redis, keyPrefix),
    locks: createRedisLock(redis, keyPrefix),
    cancels,
    close: async () => {
      closing = true;
      subscriber.disconnect();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/**
 * RedisAdapter keys are the raw session keys; this gives it a view of the client whose get/set/del
 * prefix the key, keeping one connection for everything.
 */
function redisWithPrefix(redis: Redis, prefix: string): Redis {
  const view = {
    get: (key: string) => redis.get(prefix + key),
    set: (key: string, ...args: unknown[]) => (redis.set as (...a: unknown[]) => Promise<unknown>)(prefix + key, ...args),
    del: (key: string) => redis.del(prefix + key),
  };
  return view as unknown as Redis;
}

/** `redis://user:secret@host` -> `redis://user:***@host` (REDIS_URL is a secret). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
