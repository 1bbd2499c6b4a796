/**
 * Picks the Node bot's storage from its configuration: Redis when `REDIS_URL` is set (several
 * processes share sessions, history, rate limits, budgets and webhook dedupe), else the embedded
 * SQLite file. Not for the edge entry (Deno KV there): this file reaches SQLite and ioredis.
 */
import type { Clock } from '@docrag/domain';
import type { SqliteDatabase } from '@docrag/sqlite-store';
import type { BotStorage } from './bot-storage';
import { createMemoryBotStorage } from './bot-storage';
import { createRedisBotStorage } from './redis-bot-storage';
import { createSqliteBotStorage } from './sqlite-bot-storage';

export interface NodeBotStorageOptions {
  /** `REDIS_URL`: wins over SQLite when set. */
  readonly redisUrl?: string;
  /** The embedded database (`DATA_DIR/docrag.sqlite`), already opened by the store. */
  readonly sqlite?: SqliteDatabase;
  readonly redisKeyPrefix?: string;
  readonly sessionTtlSeconds?: number;
  readonly clock?: Clock;
}

export async function createNodeBotStorage(options: NodeBotStorageOptions): Promise<BotStorage> {
  if (options.redisUrl) {
    return createRedisBotStorage({
      url: options.redisUrl,
      ...(options.redisKeyPrefix ? { keyPrefix: options.redisKeyPrefix } : {}),
      ...(options.sessionTtlSeconds ? { sessionTtlSeconds: options.sessionTtlSeconds } : {}),
    });
  }
  if (options.sqlite) return createSqliteBotStorage(options.sqlite, options.clock);
  // Only reached when the store is Qdrant and no Redis is configured: state lives in this process.
  return createMemoryBotStorage(options.clock);
}
