/**
 * Long polling helpers. On start, updates that queued while the bot was down are mostly stale: a
 * user who asked three times gets one answer — to the last message of each chat — rather than a
 * burst of replies to questions they have given up on. Callback queries among them are dropped
 * (their buttons belong to answers the user has moved past).
 */
import type { Api } from 'grammy';
import type { Update } from 'grammy/types';

export function keepLastMessagePerChat(updates: readonly Update[]): Update[] {
  const last = new Map<number, Update>();
  for (const u of updates) {
    const chatId = u.message?.chat.id;
    if (chatId !== undefined) last.set(chatId, u);
  }
  return [...last.values()].sort((a, b) => a.update_id - b.update_id);
}

/** Fetches and confirms everything pending; returns what is worth answering. */
export async function takePendingUpdates(api: Api, maxBatches = 50): Promise<{ kept: Update[]; dropped: number }> {
  const all: Update[] = [];
  let offset: number | undefined;
  for (let i = 0; i < maxBatches; i++) {
    const batch = await api.getUpdates({ ...(offset !== undefined ? { offset } : {}), limit: 100, timeout: 0 });
    if (batch.length === 0) break;
    all.push(...batch);
    offset = (batch.at(-1)?.update_id ?? 0) + 1;
  }
  // Confirm the last batch (getUpdates confirms everything below `offset`).
  if (offset !== undefined) await api.getUpdates({ offset, limit: 1, timeout: 0 });
  const kept = keepLastMessagePerChat(all);
  return { kept, dropped: all.length - kept.length };
}
