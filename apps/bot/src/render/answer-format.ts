/**
 * Turns a (streaming or final) answer into Telegram messages: citations rendered as labels,
 * split at Telegram's 4096-character limit with the domain's splitter, the sources list in the
 * last part, then Markdown -> HTML per part.
 */
import { extractCitations, formatCitation, splitMessage, type Source } from '@docrag/domain';
import { hidePartialMarker, labelSources, renderCitations, type SourceLabel } from './citations';
import { markdownToPlainText, markdownToTelegramHtml } from './telegram-html';
import type { FormattedText } from '../streaming/telegram-send';

/** https://core.telegram.org/bots/api#sendmessage: "1-4096 characters after entities parsing". */
export const TELEGRAM_TEXT_LIMIT = 4096;

export function formatPart(markdown: string): FormattedText {
  return { html: markdownToTelegramHtml(markdown), plain: markdownToPlainText(markdown) };
}

/**
 * Final parts of an answer. Splitting happens on the rendered Markdown, before HTML conversion:
 * conversion only removes characters (markers become tags), so each part's visible length stays
 * within the limit. The cited sources (domain `extractCitations`, in order of first citation) and
 * any suffix go into the last part — or a part of their own when the last one is full.
 */
export function formatAnswerParts(
  answerText: string,
  sources: readonly Source[],
  options: { limit?: number; suffix?: string } = {},
): FormattedText[] {
  const limit = options.limit ?? TELEGRAM_TEXT_LIMIT;
  const body = renderCitations(answerText.trim() || '…', labelSources(sources));
  const cited = extractCitations(answerText, sources).map(formatCitation);
  const footer = [cited.length ? `Sources:\n${cited.join('\n')}` : '', options.suffix ?? ''].filter(Boolean).join('\n\n');
  const parts = splitMessage(body, { limit }).map((p) => p.text.trimEnd());
  if (footer) {
    const last = parts.at(-1) ?? '';
    if (last.length + 2 + footer.length <= limit) parts[parts.length - 1] = `${last}\n\n${footer}`;
    else parts.push(...splitMessage(footer, { limit }).map((p) => p.text.trimEnd()));
  }
  return parts.map(formatPart);
}

/**
 * A preview of a partial answer: citations rendered, a half-typed marker hidden, and only the
 * tail shown once it outgrows one message (the final delivery splits it properly; previews are
 * replaced, so nothing is lost).
 */
export function formatPreview(partial: string, labels: ReadonlyMap<number, SourceLabel>, limit = TELEGRAM_TEXT_LIMIT): FormattedText {
  let text = renderCitations(hidePartialMarker(partial), labels).trimEnd();
  const room = limit - 100;
  if (text.length > room) text = `…${text.slice(text.length - room + 1).replace(/^\S*\s/, '')}`;
  return formatPart(`${text} ▍`);
}
