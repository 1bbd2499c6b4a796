/**
 * Node-side bot storage: sessions, history and shared counters on SQLite (default) or Redis.
 * The edge entry imports `./deno-kv-bot-storage` and `./bot-storage` directly instead of this file,
 * which pulls in SQLite and ioredis.
 */

// ---- the interface and the in-memory backend ----
export { createMemoryBotStorage, namespaced } from './bot-storage';
export type { BotStorage } from './bot-storage';

// ---- picking a backend from config ----
export { createNodeBotStorage } from './create-bot-storage';
export type { NodeBotStorageOptions } from './create-bot-storage';

// ---- backends ----
export { createSqliteBotStorage, createSqliteCounters } from './sqlite-bot-storage';
export { createRedisBotStorage, createRedisCancel, createRedisCounters, createRedisLock, redactUrl } from './redis-bot-storage';
export type { RedisBotStorageOptions } from './redis-bot-storage';
export { createDenoKvBotStorage, createKvCounters, createKvSessionStorage } from './deno-kv-bot-storage';
export type { KvLike, KvKey } from './deno-kv-bot-storage';
export { createMemoryKv } from './memory-kv';
