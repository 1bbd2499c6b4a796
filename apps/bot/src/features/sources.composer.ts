/** /sources and the "Sources" button: details of the last answer's sources. */
import type { BotContext, LastAnswer } from '../context';
import type { BotDeps } from '../deps';
import { escapeHtml } from '../render/telegram-html';
import { TELEGRAM_TEXT_LIMIT } from '../render/answer-format';
import { SOURCES_CALLBACK } from './answering';
import { featureComposer } from './boundary';

export function sourcesText(last: LastAnswer | undefined): string {
  if (!last) return 'There is no answer to show sources for yet — ask me something first.';
  if (last.sources.length === 0) return 'The last answer used no sources: nothing in your documents matched.';
  const blocks = last.sources.map((s) => {
    const where = [s.pages, s.heading ? `“${escapeHtml(s.heading)}”` : ''].filter(Boolean).join(', ');
    return `<b>[${s.n}] ${escapeHtml(s.fileName)}</b>${where ? ` — ${where}` : ''}${s.cited ? '' : ' <i>(not cited)</i>'}\nscore ${s.score}\n<blockquote>${escapeHtml(s.excerpt)}</blockquote>`;
  });
  const head = `<b>Sources</b> for “${escapeHtml(last.question)}”${last.retrievalQuery !== last.question ? `\n<i>searched as: ${escapeHtml(last.retrievalQuery)}</i>` : ''}`;
  let text = head;
  for (const block of blocks) {
    // Keep under one message; the excerpts are trimmed already, so this only drops trailing sources.
    if (text.length + block.length + 2 > TELEGRAM_TEXT_LIMIT - 200) {
      text += '\n\n…';
      break;
    }
    text += `\n\n${block}`;
  }
  return text;
}

export function sourcesComposer(deps: BotDeps) {
  return featureComposer('sources', deps, (c) => {
    c.command('sources', async (ctx: BotContext) => {
      await ctx.reply(sourcesText(ctx.session.lastAnswer), { parse_mode: 'HTML' });
    });
    c.callbackQuery(SOURCES_CALLBACK, async (ctx) => {
      const last = ctx.session.lastAnswer;
      const stale = last?.messageId !== undefined && ctx.callbackQuery.message?.message_id !== undefined && ctx.callbackQuery.message.message_id !== last.messageId;
      await ctx.answerCallbackQuery(stale ? { text: 'Showing the sources of the latest answer (older ones are not kept).' } : {});
      await ctx.reply(sourcesText(last), { parse_mode: 'HTML' });
    });
  });
}
