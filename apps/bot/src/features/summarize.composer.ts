/** /summarize <file>: map-reduce over the file's parent chunks (services/summarize.ts). */
import type { BotDeps } from '../deps';
import { escapeHtml } from '../render/telegram-html';
import { formatAnswerParts } from '../render/answer-format';
import { summarizeParents } from '../services/summarize';
import { deliverParts } from './answering';
import { resolveFile } from './files.composer';
import { featureComposer } from './boundary';

export function summarizeComposer(deps: BotDeps) {
  return featureComposer('summarize', deps, (c) => {
    c.command('summarize', async (ctx) => {
      const chat = ctx.chat;
      const { userId, ownerId } = ctx.docrag;
      const file = await resolveFile(deps, ownerId, ctx.match);
      await deps.usage.assertWithinBudget(userId);
      const controller = await deps.inFlight.begin(userId, 'summary');
      if (!controller) {
        await ctx.reply('I am still working on your previous request. Send /cancel to stop it first.');
        return;
      }
      try {
        const status = await ctx.reply(`📝 Summarising <b>${escapeHtml(file.name)}</b>…`, { parse_mode: 'HTML' });
        const parents = await deps.store.getFileParents(ownerId, file.fileId, controller.signal);
        const language = ctx.session.language ?? ctx.from?.language_code;
        const summary = await summarizeParents(deps.generator, file.name, parents, {
          batchTokens: deps.settings.summary.batchTokens,
          maxTokens: deps.settings.summary.maxTokens,
          signal: controller.signal,
          ...(language ? { language } : {}),
          onProgress: (done, total) => {
            if (total > 1) void ctx.api.editMessageText(chat.id, status.message_id, `📝 Summarising <b>${escapeHtml(file.name)}</b>… ${done}/${total}`, { parse_mode: 'HTML' }).catch(() => undefined);
          },
        });
        const header = `**Summary of ${file.name}**${summary.extractive ? ' _(extractive: no language model is configured, these are the openings of its sections)_' : ''}\n\n`;
        const parts = formatAnswerParts(header + summary.text, []);
        await deliverParts(ctx, chat.id, parts, { editMessageId: status.message_id, withSourcesButton: false });
        await deps.usage.record(userId, 'tokens', summary.usage.inputTokens + summary.usage.outputTokens);
      } finally {
        await deps.inFlight.end(userId, controller);
      }
    });
  });
}
