/**
 * The one place where errors become words for Telegram users. RagError codes map to specific,
 * actionable sentences; Telegram's own refusals are explained; anything else gets a generic line.
 * Never a stack trace, never `cause` text (it may hold paths, URLs or keys).
 */
import { isRagError, type RagErrorDetail } from '@docrag/domain';
import { GrammyError, HttpError } from 'grammy';

const FORMATS = 'PDF, DOCX, DOC, EPUB, Markdown (.md) or plain text (.txt)';

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** `1 chunk`, `3 chunks`. */
export function plural(n: number, noun: string): string {
  return `${n.toLocaleString('en')} ${noun}${n === 1 ? '' : 's'}`;
}

function seconds(ms: number | undefined): number {
  return Math.max(1, Math.ceil((ms ?? 10_000) / 1000));
}

export function friendlyRagError(detail: RagErrorDetail): string {
  switch (detail.code) {
    case 'file_too_large':
      return `This file is ${formatBytes(detail.sizeBytes)}; the limit is ${formatBytes(detail.limitBytes)}. Please send a smaller file or split it.`;
    case 'empty_file':
      return 'This file is empty — there is nothing to index.';
    case 'unsupported_format':
      return `I can't read this kind of file${detail.detected ? ` (${detail.detected})` : ''}. Please send ${FORMATS}.`;
    case 'corrupt_file':
      return `This ${detail.format.toUpperCase()} file looks damaged and can't be read (${detail.reason}). Try re-saving or re-exporting it.`;
    case 'encrypted_file':
      return `This ${detail.format.toUpperCase()} is password-protected. Please remove the password and send it again.`;
    case 'archive_limit':
      return detail.reason === 'entry_count'
        ? `This ${detail.format.toUpperCase()} contains too many internal parts (over ${detail.limit}); it looks like a zip bomb, so I won't open it.`
        : `This ${detail.format.toUpperCase()} unpacks to more than ${formatBytes(detail.limit)}; it looks like a zip bomb, so I won't open it.`;
    case 'no_text':
      return `I found no text in this ${detail.format.toUpperCase()} — it is probably scanned images. OCR is not supported; please send a version with selectable text.`;
    case 'model_unavailable':
      return detail.capability === 'generate'
        ? 'The language model is not available right now. Please try again later.'
        : 'The search model is not available right now. Please try again later.';
    case 'dependency_unavailable':
      return detail.dependency === 'llm'
        ? `The model is unavailable right now, try again in ${seconds(detail.retryAfterMs)} s.`
        : `A service I depend on (${detail.dependency}) is unavailable right now, try again in ${seconds(detail.retryAfterMs)} s.`;
    case 'rate_limited':
      return detail.dependency === 'llm'
        ? `The model is busy, try again in ${seconds(detail.retryAfterMs)} s.`
        : `Too many requests right now (${detail.dependency}), try again in ${seconds(detail.retryAfterMs)} s.`;
    case 'timeout':
      return detail.dependency === 'llm'
        ? `The model took too long to answer (over ${seconds(detail.afterMs)} s). Please try again.`
        : `The ${detail.dependency} took too long to answer. Please try again.`;
    case 'budget_exceeded':
      return `You have used today's token budget (${detail.used.toLocaleString('en')} of ${detail.limit.toLocaleString('en')}). It resets at 00:00 UTC.`;
    case 'not_found':
      return detail.what === 'file' ? 'I could not find that file. Send /files to see your documents.' : 'There is no answer to show yet — ask me something first.';
    case 'invalid_input':
      return `That did not work: ${detail.reason}.`;
    case 'cancelled':
      return 'Stopped.';
  }
}

/** Any thrown value -> a user-facing sentence. */
export function friendlyError(error: unknown): string {
  if (isRagError(error)) return friendlyRagError(error.detail);
  if (error instanceof GrammyError) {
    if (error.error_code === 429) {
      const retry = error.parameters.retry_after ?? 5;
      return `Telegram is limiting how fast I can reply; try again in ${retry} s.`;
    }
    if (/file is too big/i.test(error.description)) {
      return 'Telegram does not let bots download files over 20 MB. Please send a smaller file.';
    }
    return 'Telegram refused one of my replies. Please try again.';
  }
  if (error instanceof HttpError) return 'I could not reach Telegram just now. Please try again in a moment.';
  return 'Something went wrong on my side. Please try again; if it keeps happening, tell the bot admin.';
}
