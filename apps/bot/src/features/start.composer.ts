/** /start and /help: what the bot reads, its limits, and examples. */
import type { BotContext } from '../context';
import type { BotDeps } from '../deps';
import { formatBytes } from '../services/friendly-errors';
import { escapeHtml } from '../render/telegram-html';
import { COMMANDS } from './commands';
import { featureComposer } from './boundary';

export function helpText(deps: BotDeps, chatType: string | undefined, botUsername: string): string {
  const s = deps.settings;
  const group =
    chatType === 'private'
      ? ''
      : `\n\n<b>In this group</b>\n${
          {
            mention: `Mention me (@${escapeHtml(botUsername)}) or reply to one of my messages to ask.`,
            reply: 'Reply to one of my messages (or mention me) to ask.',
            keyword: `Start or include one of these words to ask: ${escapeHtml(s.groupKeywords.join(', '))}.`,
            open: 'I answer every message here.',
          }[s.groupPolicy]
        } /ask always works. Documents sent here belong to the group and are not visible in private chats.`;
  return [
    '<b>docrag</b> answers questions about documents you send me, citing where each answer comes from.',
    '',
    '<b>Send a file</b>: PDF, DOCX, DOC, EPUB, Markdown or plain text, up to ' + formatBytes(s.maxFileBytes) + '. Scanned PDFs (images only) are not supported.',
    '<b>Ask</b>: just write your question' + (chatType === 'private' ? '' : ' (see below)') + `, or use /ask. I remember the last ${s.maxHistoryTurns} exchanges, so follow-ups work.`,
    '',
    '<b>Examples</b>',
    '• <i>What are the termination clauses?</i>',
    '• <i>/summarize report.pdf</i>',
    '• <i>/delete 2</i> (the number from /files)',
    '',
    '<b>Commands</b>',
    ...COMMANDS.map((c) => `/${c.command} — ${escapeHtml(c.description)}`),
  ].join('\n') + group;
}

export function startComposer(deps: BotDeps) {
  return featureComposer('start', deps, (c) => {
    c.command(['start', 'help'], async (ctx: BotContext) => {
      await ctx.reply(helpText(deps, ctx.chat?.type, ctx.me.username), { parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
    });
  });
}
