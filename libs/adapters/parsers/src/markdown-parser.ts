import type { DocumentParser, ParsedDocument } from '@docrag/domain';
import { asParserError, throwIfAborted } from './errors';
import { BlockBuilder, cleanText, finishDocument } from './normalize';
import { decodeText } from './text-decoding';

const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_1 = /^ {0,3}=+[ \t]*$/;
const SETEXT_2 = /^ {0,3}-+[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const LIST_ITEM = /^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+/;
const TABLE_DELIMITER = /^ {0,3}\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;
const THEMATIC_BREAK = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;

/**
 * Markdown by its block structure (CommonMark's ATX and Setext headings, fenced code, lists,
 * paragraphs). Inline syntax is reduced to its text: links keep their label, images their alt
 * text, emphasis and code markers go. Code blocks are kept as paragraphs with their line breaks.
 * YAML front matter is skipped, except that its `title:` becomes the document title.
 */
export class MarkdownParser implements DocumentParser {
  readonly format = 'markdown' as const;

  async parse(bytes: Uint8Array, options?: { fileName?: string; signal?: AbortSignal }): Promise<ParsedDocument> {
    throwIfAborted(options?.signal);
    try {
      return parseMarkdownText(decodeText(bytes).text);
    } catch (error) {
      throw asParserError('markdown', error);
    }
  }
}

/** Parses already-decoded Markdown (exported for tools that hold strings, e.g. evaluations). */
export function parseMarkdownText(source: string): ParsedDocument {
  const lines = cleanText(source).split('\n');
  const blocks = new BlockBuilder();
  let title: string | undefined;
  let firstH1: string | undefined;
  let i = 0;

  // YAML front matter: only at the very top, between two `---` lines.
  if (lines[0]?.trim() === '---') {
    const end = lines.findIndex((line, n) => n > 0 && /^(---|\.\.\.)\s*$/.test(line));
    if (end > 0) {
      for (const line of lines.slice(1, end)) {
        const m = /^title:\s*["']?(.+?)["']?\s*$/.exec(line);
        if (m?.[1]) title = m[1];
      }
      i = end + 1;
    }
  }

  let paragraph: string[] = [];
  const flush = (): void => {
    if (paragraph.length) blocks.paragraph(inlineToText(paragraph.join(' ')));
    paragraph = [];
  };

  while (i < lines.length) {
    const line = lines[i] ?? '';
    const fence = FENCE.exec(line);
    if (fence) {
      flush();
      const marker = fence[1] ?? '```';
      const body: string[] = [];
      i++;
      while (i < lines.length && !(lines[i] ?? '').trimStart().startsWith(marker)) body.push(lines[i++] ?? '');
      i++; // closing fence (or end of input: an unclosed fence runs to the end, as in CommonMark)
      blocks.paragraph(body.join('\n'), undefined, { preserveLines: true });
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      flush();
      const text = inlineToText(atx[2] ?? '');
      if ((atx[1] ?? '').length === 1 && firstH1 === undefined) firstH1 = text;
      blocks.heading((atx[1] ?? '#').length, text);
      i++;
      continue;
    }
    const next = lines[i + 1] ?? '';
    if (paragraph.length === 0 && line.trim() && !LIST_ITEM.test(line) && (SETEXT_1.test(next) || (SETEXT_2.test(next) && !THEMATIC_BREAK.test(line)))) {
      const level = SETEXT_1.test(next) ? 1 : 2;
      const text = inlineToText(line);
      if (level === 1 && firstH1 === undefined) firstH1 = text;
      blocks.heading(level, text);
      i += 2;
      continue;
    }
    if (!line.trim() || THEMATIC_BREAK.test(line)) {
      flush();
      i++;
      continue;
    }
    // GFM table: a header row, a delimiter row, then body rows; each row becomes one paragraph
    // (`cell | cell`), like DOCX and EPUB tables, so a row stays one retrievable fact.
    if (paragraph.length === 0 && line.includes('|') && TABLE_DELIMITER.test(lines[i + 1] ?? '')) {
      blocks.paragraph(tableRow(line));
      i += 2;
      while (i < lines.length && (lines[i] ?? '').includes('|') && (lines[i] ?? '').trim()) blocks.paragraph(tableRow(lines[i++] ?? ''));
      continue;
    }
    if (LIST_ITEM.test(line)) flush();
    paragraph.push(line.replace(LIST_ITEM, '').replace(/^ {0,3}>[ \t]?/, ''));
    i++;
  }
  flush();
  const docTitle = title ?? firstH1;
  return finishDocument('markdown', blocks.toArray(), docTitle ? { title: docTitle } : {});
}

function tableRow(line: string): string {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => inlineToText(cell.trim()))
    .filter(Boolean)
    .join(' | ');
}

/** Reduces inline Markdown to the words a reader sees. */
export function inlineToText(text: string): string {
  return text
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/<\/?[A-Za-z][^>\n]*>/g, ' ')
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
    .replace(/(^|[\s(])[*_](?=\S)([^*_\n]*?\S)[*_](?=[\s).,;:!?]|$)/g, '$1$2')
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1')
    .replace(/`+([^`]+)`+/g, '$1');
}

export function createMarkdownParser(): DocumentParser {
  return new MarkdownParser();
}
