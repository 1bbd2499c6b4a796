/**
 * /files (size, chunks, date) and /delete <file> with an inline confirm button. Files are looked
 * up in the current owner's library only, so a chat can never touch another owner's documents.
 */
import { RagError, type FileRecord, type OwnerId } from '@docrag/domain';
import { InlineKeyboard } from 'grammy';
import type { BotDeps } from '../deps';
import { formatBytes, plural } from '../services/friendly-errors';
import { escapeHtml } from '../render/telegram-html';
import { featureComposer } from './boundary';

/** Callback data stays under Telegram's 64-byte limit: a sha256 prefix identifies the file within its owner. */
const SHA_PREFIX = 16;

/**
 * Resolves `/command <file>`: the number shown by /files, an exact name, or a unique part of a
 * name (case-insensitive). Throws a RagError that says which.
 */
export async function resolveFile(deps: BotDeps, ownerId: OwnerId, query: string): Promise<FileRecord> {
  const files = (await deps.registry.list(ownerId)).filter((f) => f.status === 'ready');
  const q = query.trim();
  if (!q) throw new RagError({ code: 'invalid_input', reason: 'name the file (or its number from /files)' });
  if (files.length === 0) throw new RagError({ code: 'not_found', what: 'file' });
  if (/^\d+$/.test(q)) {
    const f = files[Number(q) - 1];
    if (!f) throw new RagError({ code: 'invalid_input', reason: `there is no file number ${q}; /files lists ${files.length}` });
    return f;
  }
  const lower = q.toLowerCase();
  const exact = files.find((f) => f.name.toLowerCase() === lower);
  if (exact) return exact;
  const partial = files.filter((f) => f.name.toLowerCase().includes(lower));
  if (partial.length === 1 && partial[0]) return partial[0];
  if (partial.length > 1) throw new RagError({ code: 'invalid_input', reason: `"${q}" matches ${partial.length} files (${partial.map((f) => f.name).join(', ')}); be more specific or use the number from /files` });
  throw new RagError({ code: 'not_found', what: 'file' });
}

export function filesListText(files: readonly FileRecord[]): string {
  if (files.length === 0) return 'You have no documents yet. Send me a PDF, DOCX, DOC, EPUB, Markdown or text file.';
  const lines = files.map(
    (f, i) =>
      `${i + 1}. <b>${escapeHtml(f.name)}</b> — ${formatBytes(f.sizeBytes)}, ${plural(f.chunkCount, 'chunk')}, ${new Date(f.createdAt).toISOString().slice(0, 10)}${f.status === 'indexing' ? ' (indexing…)' : ''}`,
  );
  return `<b>Your documents</b> (${files.length})\n${lines.join('\n')}\n\n/summarize N or /delete N acts on file N.`;
}

export function filesComposer(deps: BotDeps) {
  return featureComposer('files', deps, (c) => {
    c.command('files', async (ctx) => {
      const files = await deps.registry.list(ctx.docrag.ownerId);
      await ctx.reply(filesListText(files), { parse_mode: 'HTML' });
    });

    c.command('delete', async (ctx) => {
      const file = await resolveFile(deps, ctx.docrag.ownerId, ctx.match);
      const keyboard = new InlineKeyboard().text('🗑 Delete', `del:${file.sha256.slice(0, SHA_PREFIX)}`).text('Keep', 'del:keep');
      await ctx.reply(`Delete <b>${escapeHtml(file.name)}</b> (${plural(file.chunkCount, 'chunk')})? This cannot be undone.`, {
        parse_mode: 'HTML',
        reply_markup: keyboard,
      });
    });

    c.callbackQuery(/^del:(.+)$/, async (ctx) => {
      const key = ctx.match[1] ?? '';
      if (key === 'keep') {
        await ctx.answerCallbackQuery({ text: 'Kept.' });
        await ctx.editMessageText('Kept — nothing was deleted.').catch(() => undefined);
        return;
      }
      const ownerId = ctx.docrag.ownerId;
      const file = (await deps.registry.list(ownerId)).find((f) => f.sha256.startsWith(key));
      if (!file) {
        await ctx.answerCallbackQuery({ text: 'That file is already gone.' });
        return;
      }
      const chunks = await deps.store.deleteFile(ownerId, file.fileId);
      await deps.registry.remove(ownerId, file.fileId);
      deps.logger.info({ owner: ownerId, file: file.fileId, chunks }, 'file deleted');
      await ctx.answerCallbackQuery({ text: 'Deleted.' });
      await ctx.editMessageText(`🗑 Deleted <b>${escapeHtml(file.name)}</b> (${plural(chunks, 'chunk')} removed).`, { parse_mode: 'HTML' });
    });
  });
}
