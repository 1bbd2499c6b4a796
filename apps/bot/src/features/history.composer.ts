/** /clear: forgets this chat's conversation history (and the last answer's sources). */
import type { BotDeps } from '../deps';
import { featureComposer } from './boundary';

export function historyComposer(deps: BotDeps) {
  return featureComposer('history', deps, (c) => {
    c.command('clear', async (ctx) => {
      await deps.history.clear(ctx.docrag.chatKey);
      delete ctx.session.lastAnswer;
      await ctx.reply('🧹 History cleared. Your next question starts a new conversation; your documents are kept.');
    });
  });
}
