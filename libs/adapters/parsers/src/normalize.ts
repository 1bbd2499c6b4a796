import { RagError } from '@docrag/domain';
import type { DocumentBlock, DocumentFormat, ParsedDocument } from '@docrag/domain';

/**
 * C0/C1 control characters other than tab and newline, plus characters that only steer layout
 * (soft hyphen, zero-width space/joiners, BOM, bidi marks). They come out of PDF text layers and
 * Word piece tables, are invisible to a reader, and split words for BM25.
 */
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF\uFFFE\uFFFF]/g;
/** Unicode line/paragraph separators and vertical tabs count as line breaks. */
// eslint-disable-next-line no-control-regex
const LINE_BREAKS = /\r\n?|[\u2028\u2029\u0085\u000B\u000C]/g;

/** Removes invisible characters and unifies line endings; keeps newlines. */
export function cleanText(text: string): string {
  return text.normalize('NFC').replace(LINE_BREAKS, '\n').replace(INVISIBLE, '');
}

/** One line of prose: every run of whitespace (newlines included) becomes one space. */
export function normalizeInline(text: string): string {
  return cleanText(text).replace(/\s+/g, ' ').trim();
}

/**
 * Text whose line structure matters (code blocks): trailing spaces removed, tabs kept, runs of
 * blank lines collapsed to one, leading/trailing blank lines dropped.
 */
export function normalizeMultiline(text: string): string {
  return cleanText(text)
    .split('\n')
    .map((line) => line.replace(/[ \t\u00A0]+$/u, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+|\n+$/g, '');
}

/** Collects blocks, normalising text and dropping empty ones. */
export class BlockBuilder {
  private readonly blocks: DocumentBlock[] = [];

  heading(level: number, text: string, page?: number): void {
    const clean = normalizeInline(text);
    if (!clean) return;
    const lvl = Math.min(6, Math.max(1, Math.round(level)));
    this.blocks.push(page === undefined ? { kind: 'heading', level: lvl, text: clean } : { kind: 'heading', level: lvl, text: clean, page });
  }

  paragraph(text: string, page?: number, options?: { preserveLines?: boolean }): void {
    const clean = options?.preserveLines ? normalizeMultiline(text) : normalizeInline(text);
    if (!clean) return;
    this.blocks.push(page === undefined ? { kind: 'paragraph', text: clean } : { kind: 'paragraph', text: clean, page });
  }

  get length(): number {
    return this.blocks.length;
  }

  toArray(): DocumentBlock[] {
    return [...this.blocks];
  }
}

/**
 * Builds the final document, refusing one with no readable text: better a clear `no_text` than
 * an indexed file that can never be found.
 */
export function finishDocument(
  format: DocumentFormat,
  blocks: readonly DocumentBlock[],
  extra: { title?: string; pageCount?: number } = {},
): ParsedDocument {
  const hasText = blocks.some((block) => /[\p{L}\p{N}]/u.test(block.text));
  if (!hasText) throw new RagError({ code: 'no_text', format });
  const title = extra.title === undefined ? undefined : normalizeInline(extra.title);
  return {
    format,
    blocks,
    ...(title ? { title } : {}),
    ...(extra.pageCount === undefined ? {} : { pageCount: extra.pageCount }),
  };
}
