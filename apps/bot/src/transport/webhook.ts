/**
 * Webhook transport pieces shared by the Node server and the Deno edge entry (no Node imports).
 *
 * Telegram waits for our HTTP answer and redelivers the update when it does not get a 2xx in
 * time (https://core.telegram.org/bots/api#setwebhook); answering takes longer than that. So the
 * prelude acknowledges at once — grammY's `webhookCallback` responds as soon as the middleware
 * returns — and processes the update in the background, in order per chat. Redeliveries are
 * recognised by `update_id` in the shared counters (Redis with several processes) and dropped.
 */
import { BotError, webhookCallback, type Bot, type MiddlewareFn } from 'grammy';
import type { BotContext } from '../context';
import type { BotLogger } from '../deps';
import type { SharedCounters } from '../services/counters';
import { sequenceKey } from './ordering';
import { createKeyedQueue, type TaskTracker } from './tasks';

/** How long an update id is remembered: Telegram stops redelivering after about a day. */
export const DEDUPE_TTL_MS = 24 * 60 * 60 * 1000;

export function createDedupeMiddleware(counters: SharedCounters, logger: BotLogger): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    let first = true;
    try {
      first = await counters.claim(`update:${ctx.me.id}:${ctx.update.update_id}`, DEDUPE_TTL_MS);
    } catch (error) {
      // Better to answer twice than never: a storage hiccup must not drop updates.
      logger.warn({ err: String(error) }, 'update dedupe unavailable; processing anyway');
    }
    if (!first) {
      logger.info({ update_id: ctx.update.update_id }, 'redelivered update ignored');
      return;
    }
    await next();
  };
}

/**
 * Returns at once and runs the rest of the chain in the background (tracked for shutdown, in
 * order per chat). Errors go to `onError`, as `bot.catch` would have received them.
 */
export function createDetachMiddleware(tasks: TaskTracker, onError: (error: BotError<BotContext>) => unknown): MiddlewareFn<BotContext> {
  const queue = createKeyedQueue();
  return (ctx, next) => {
    void tasks.track(
      queue.run(sequenceKey(ctx), async () => {
        try {
          await next();
        } catch (error) {
          await onError(error instanceof BotError ? (error as BotError<BotContext>) : new BotError<BotContext>(error, ctx));
        }
      }),
    );
    return Promise.resolve();
  };
}

/**
 * The webhook endpoint as a fetch handler (`Request` -> `Response`): 401 for a missing or wrong
 * `X-Telegram-Bot-Api-Secret-Token`, 200 once the update is queued. Works under Node (Hono) and Deno.
 */
export function createWebhookHandler(bot: Bot<BotContext>, secretToken: string): (request: Request) => Promise<Response> {
  return webhookCallback(bot, 'std/http', { secretToken, onTimeout: 'return', timeoutMilliseconds: 9_000 });
}
