/**
 * `createBot(deps)`: the grammY bot with every feature, shared by the Node entry (polling or
 * webhook) and the Deno edge entry. Imports nothing Node-only: stores, parsers and models arrive
 * as ports in `deps`.
 */
import { autoRetry } from '@grammyjs/auto-retry';
import { Bot, session } from 'grammy';
import type { BotContext } from './context';
import { initialSession } from './context';
import type { BotDeps } from './deps';
import { accessComposer } from './features/access.composer';
import { askComposer } from './features/ask.composer';
import { replyWithError } from './features/boundary';
import { filesComposer } from './features/files.composer';
import { historyComposer } from './features/history.composer';
import { settingsComposer } from './features/settings.composer';
import { sourcesComposer } from './features/sources.composer';
import { startComposer } from './features/start.composer';
import { statsComposer } from './features/stats.composer';
import { summarizeComposer } from './features/summarize.composer';
import { uploadComposer } from './features/upload.composer';

/**
 * Flood control for every outgoing call: on 429 auto-retry waits `retry_after` and tries again;
 * a final message is therefore delayed, never dropped. Up to 8 attempts and 5 minutes of waiting
 * per call, after which the error reaches the feature's boundary.
 */
export const AUTO_RETRY = { maxRetryAttempts: 8, maxDelaySeconds: 300, rethrowInternalServerErrors: false } as const;

export function createBot(deps: BotDeps): Bot<BotContext> {
  const { settings } = deps;
  const bot = new Bot<BotContext>(settings.token, {
    client: { apiRoot: settings.apiRoot },
    ...(settings.botInfo ? { botInfo: settings.botInfo } : {}),
  });
  // grammY calls the transformer installed LAST first. Auto-retry goes last, so it is outermost:
  // it sees every 429 from the transformers below it (tracing, timing) and each retry is its own
  // timed Bot API call.
  for (const transformer of deps.apiTransformers ?? []) bot.api.config.use(transformer);
  bot.api.config.use(autoRetry(AUTO_RETRY));

  for (const middleware of deps.prelude ?? []) bot.use(middleware);
  bot.use(accessComposer(deps));
  bot.use(
    session({
      initial: initialSession,
      storage: deps.sessionStorage,
      // Same key as the conversation history: per chat in private, per member in groups.
      getSessionKey: (ctx) => (ctx as BotContext).docrag?.chatKey,
    }),
  );
  bot.use(startComposer(deps));
  bot.use(uploadComposer(deps));
  bot.use(filesComposer(deps));
  bot.use(summarizeComposer(deps));
  bot.use(sourcesComposer(deps));
  bot.use(statsComposer(deps));
  bot.use(historyComposer(deps));
  bot.use(settingsComposer(deps));
  bot.use(askComposer(deps));
  bot.on('message', async (ctx) => {
    if (ctx.message.text?.startsWith('/') && ctx.chat.type === 'private') await ctx.reply('I do not know that command. Send /help to see what I can do.');
  });
  bot.on('callback_query', async (ctx) => {
    await ctx.answerCallbackQuery({ text: 'This button has expired.' });
  });

  bot.catch((err) => replyWithError(err, deps, 'bot'));
  return bot;
}
