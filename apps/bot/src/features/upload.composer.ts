/**
 * Uploads: size check before getFile, one progress message edited through the stages
 * (downloading, parsing, chunking, embedding, indexed N chunks), duplicates reported, every
 * RagError worded specifically in that same message. The IngestDocument use case guarantees
 * no half-index on failure.
 */
import { RagError, isRagError, type IngestProgress } from '@docrag/domain';
import type { BotContext } from '../context';
import type { BotDeps } from '../deps';
import { groupQuestion } from '../services/access';
import { formatBytes, friendlyError, plural } from '../services/friendly-errors';
import { escapeHtml } from '../render/telegram-html';
import { createThrottledUpdater } from '../streaming/throttle';
import { featureComposer } from './boundary';

/** The cloud Bot API serves downloads up to 20 MB (https://core.telegram.org/bots/api#getfile). */
export const CLOUD_DOWNLOAD_LIMIT_BYTES = 20 * 1024 * 1024;

export function stageText(name: string, progress: IngestProgress | 'downloading'): string {
  const file = `<b>${escapeHtml(name)}</b>`;
  if (progress === 'downloading') return `📥 Downloading ${file}…`;
  const count = progress.total ? ` ${progress.done ?? 0}/${progress.total}` : '';
  switch (progress.stage) {
    case 'parsing':
      return `📄 Parsing ${file}…`;
    case 'chunking':
      return `✂️ Chunking ${file}…`;
    case 'embedding':
      return `🧮 Embedding ${file}…${count}`;
    case 'storing':
      return `💾 Saving ${file}…`;
    case 'done':
      return `💾 Saving ${file}…`;
  }
}

/** Downloads through the Bot API file endpoint (fetch: works on Node and Deno). */
export function createFetchDownloader(apiRoot: string, token: string) {
  return async (filePath: string, signal?: AbortSignal): Promise<Uint8Array> => {
    const res = await fetch(`${apiRoot}/file/bot${token}/${filePath}`, signal ? { signal } : {});
    if (!res.ok) throw new RagError({ code: 'dependency_unavailable', dependency: 'telegram' }, { message: `file download failed with HTTP ${res.status}` });
    return new Uint8Array(await res.arrayBuffer());
  };
}

export function uploadComposer(deps: BotDeps) {
  const s = deps.settings;
  const cloud = /^https:\/\/api\.telegram\.org$/.test(s.apiRoot);
  const limitBytes = cloud ? Math.min(s.maxFileBytes, CLOUD_DOWNLOAD_LIMIT_BYTES) : s.maxFileBytes;
  const download = deps.downloadFile ?? createFetchDownloader(s.apiRoot, s.token);

  return featureComposer('upload', deps, (c) => {
    c.on('message:document', async (ctx: BotContext, next) => {
      const message = ctx.message;
      const doc = message?.document;
      const chat = ctx.chat;
      if (!doc || !chat || !message) return next();
      if (chat.type !== 'private' && s.groupPolicy !== 'open') {
        // In groups a document is indexed only when addressed to the bot, like questions.
        const caption = message.caption ?? '';
        const mentions = (message.caption_entities ?? []).filter((e) => e.type === 'mention').map((e) => caption.slice(e.offset, e.offset + e.length));
        const addressed = groupQuestion(s.groupPolicy, { text: `${caption} .`, mentions, repliesToBot: message.reply_to_message?.from?.id === ctx.me.id }, { username: ctx.me.username, keywords: s.groupKeywords });
        if (!addressed) return next();
      }
      const name = doc.file_name ?? 'document';
      if (doc.file_size !== undefined && doc.file_size > limitBytes) {
        await ctx.reply(friendlyError(new RagError({ code: 'file_too_large', sizeBytes: doc.file_size, limitBytes })), {
          reply_parameters: { message_id: message.message_id, allow_sending_without_reply: true },
        });
        return;
      }
      const progress = await ctx.reply(stageText(name, 'downloading'), {
        parse_mode: 'HTML',
        reply_parameters: { message_id: message.message_id, allow_sending_without_reply: true },
      });
      const edit = (html: string) => ctx.api.editMessageText(chat.id, progress.message_id, html, { parse_mode: 'HTML' }).then(() => undefined);
      const updater = createThrottledUpdater({
        intervalMs: () => s.progressEditIntervalMs,
        send: edit,
        onError: (error) => deps.logger.debug({ err: String(error) }, 'progress edit failed'),
      });
      const started = deps.clock.now();
      try {
        const file = await ctx.getFile();
        if (!file.file_path) throw new RagError({ code: 'dependency_unavailable', dependency: 'telegram' }, { message: 'getFile returned no file_path' });
        const bytes = await download(file.file_path);
        if (bytes.byteLength > limitBytes) throw new RagError({ code: 'file_too_large', sizeBytes: bytes.byteLength, limitBytes });
        const result = await deps.ingestDocument(
          { ownerId: ctx.docrag.ownerId, name, bytes, ...(doc.mime_type ? { mimeType: doc.mime_type } : {}) },
          { onProgress: (p) => updater.push(stageText(name, p)) },
        );
        await updater.close();
        const f = result.file;
        deps.metrics?.fileIngested({ format: f.format, outcome: result.status, seconds: (deps.clock.now() - started) / 1000, chunks: f.chunkCount });
        if (result.status === 'duplicate') {
          await edit(`ℹ️ <b>${escapeHtml(f.name)}</b> is already indexed (${plural(f.chunkCount, 'chunk')}, added ${new Date(f.createdAt).toISOString().slice(0, 10)}).`);
          return;
        }
        await deps.usage.record(ctx.docrag.userId, 'uploads', 1);
        const secs = ((deps.clock.now() - started) / 1000).toFixed(1);
        await edit(
          `✅ Indexed <b>${escapeHtml(f.name)}</b>: ${plural(f.chunkCount, 'chunk')} (${formatBytes(f.sizeBytes)}, ${f.format.toUpperCase()}, ${secs} s). Ask me anything about it.`,
        );
      } catch (error) {
        await updater.close();
        const detail = isRagError(error) ? (error.detail as { format?: string }) : undefined;
        deps.metrics?.fileIngested({ format: detail?.format ?? 'unknown', outcome: 'failed', seconds: (deps.clock.now() - started) / 1000 });
        deps.logger.info({ code: isRagError(error) ? error.code : 'unexpected', file: name }, 'upload failed');
        await edit(`❌ ${escapeHtml(friendlyError(error))}`).catch(async () => {
          await ctx.reply(friendlyError(error));
        });
        if (!isRagError(error)) deps.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'unexpected upload failure');
      }
    });
  });
}
