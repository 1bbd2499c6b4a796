/**
 * The domain's ChatHistory port over a grammY session StorageAdapter, so conversation history
 * lives wherever sessions live (SQLite file by default, Redis with REDIS_URL, Deno KV on the
 * edge) and survives restarts without a second storage mechanism.
 */
import type { ChatHistory, ChatTurn } from '@docrag/domain';
import type { StorageAdapter } from 'grammy';

export function createSessionChatHistory(storage: StorageAdapter<ChatTurn[]>, options: { prefix?: string } = {}): ChatHistory {
  const prefix = options.prefix ?? 'history:';
  return {
    async load(chatKey) {
      return [...((await storage.read(prefix + chatKey)) ?? [])];
    },
    async append(chatKey, turn, maxTurns) {
      if (maxTurns <= 0) return;
      const turns = [...((await storage.read(prefix + chatKey)) ?? []), turn].slice(-maxTurns);
      await storage.write(prefix + chatKey, turns);
    },
    async clear(chatKey) {
      await storage.delete(prefix + chatKey);
    },
  };
}
