/**
 * Runs first for every update: works out who is talking and whose documents they see, refuses
 * users who are not allowed (ALLOWED_USER_IDS / ALLOWED_CHAT_IDS / ADMIN_USER_IDS), and applies
 * the incoming-message rate limit (@grammyjs/ratelimiter over the shared counters, so several
 * processes share it).
 */
import { limit } from '@grammyjs/ratelimiter';
import { Composer } from 'grammy';
import type { BotContext } from '../context';
import type { BotDeps } from '../deps';
import { chatKeyOf, isAdmin, isAllowed, ownerOf } from '../services/access';
import { ratelimiterStore } from '../services/counters';

export function accessComposer(deps: BotDeps): Composer<BotContext> {
  const { access, rateLimit } = deps.settings;
  const c = new Composer<BotContext>();

  c.use(async (ctx, next) => {
    const chat = ctx.chat;
    // stopped_message_generation carries only the (private) chat, whose id is the user's.
    const userId = ctx.from?.id ?? (chat?.type === 'private' ? chat.id : undefined);
    // Channel posts, my_chat_member and the like carry nothing for us to answer.
    if (!chat || userId === undefined || ctx.from?.is_bot) return;
    if (!isAllowed(access, userId, chat.id)) {
      deps.logger.info({ user_id: userId, chat_id: chat.id }, 'refused: not on the allowlist');
      if (chat.type === 'private' && ctx.message) {
        await ctx.reply(
          `Sorry, this is a private bot and you are not on its allowlist. Your Telegram user id is ${userId}; ` +
            'ask the bot owner to add it to ALLOWED_USER_IDS.',
        );
      } else if (ctx.callbackQuery) {
        await ctx.answerCallbackQuery({ text: 'You are not allowed to use this bot.' });
      }
      return;
    }
    ctx.docrag = {
      userId,
      ownerId: ownerOf(chat, userId),
      chatKey: chatKeyOf(chat, userId),
      isAdmin: isAdmin(access, userId),
    };
    await next();
  });

  c.on('message').use(
    limit<BotContext, ReturnType<typeof ratelimiterStore>>({
      timeFrame: rateLimit.windowMs,
      limit: rateLimit.messages,
      storageClient: ratelimiterStore(deps.counters, rateLimit.windowMs),
      keyGenerator: (ctx) => String(ctx.from?.id ?? ctx.chat?.id ?? 'anonymous'),
      onLimitExceeded: async (ctx) => {
        await ctx.reply(`You are sending messages too fast; please wait ${Math.ceil(rateLimit.windowMs / 1000)} s.`).catch(() => undefined);
      },
    }),
  );
  return c;
}
