import { createRequire } from 'node:module';
import path from 'node:path';
import { RagError } from '@docrag/domain';
import type { DocumentParser, ParsedDocument } from '@docrag/domain';
import type * as PdfJsModule from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { TextItem } from 'pdfjs-dist/types/src/display/api';
import { asParserError, corruptFile, throwIfAborted } from './errors';
import { DEFAULT_PARSER_LIMITS } from './limits';
import type { ParserLimits } from './limits';
import { BlockBuilder, finishDocument, normalizeInline } from './normalize';
import { findPdfHeader } from './sniff';

type PdfJs = typeof PdfJsModule;

let pdfjsPromise: Promise<PdfJs> | undefined;

/**
 * Loads pdfjs once, on first use (it is ~2 MB of code the bot need not load to start). The
 * worker module is imported too and handed to pdfjs as `globalThis.pdfjsWorker`: pdfjs then runs
 * its "fake worker" on the main thread instead of importing `./pdf.worker.mjs` by relative URL,
 * which breaks once the app is bundled (pdf.js `PDFWorker.#mainThreadWorkerMessageHandler`).
 */
function loadPdfjs(): Promise<PdfJs> {
  pdfjsPromise ??= (async () => {
    const worker = (await import('pdfjs-dist/legacy/build/pdf.worker.mjs')) as { WorkerMessageHandler: unknown };
    const global = globalThis as { pdfjsWorker?: unknown };
    global.pdfjsWorker ??= worker;
    return import('pdfjs-dist/legacy/build/pdf.mjs');
  })();
  return pdfjsPromise;
}

/**
 * pdfjs reads CMaps (needed for CJK text) and standard font metrics from these folders through
 * the file system (`NodeCMapReaderFactory`), never the network. Undefined when pdfjs-dist is not
 * on disk (a bundle without node_modules): Latin text still extracts, CJK with predefined CMaps
 * may not.
 */
const pdfjsAssets = ((): { cMapUrl?: string; standardFontDataUrl?: string } => {
  try {
    const root = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
    return { cMapUrl: `${path.join(root, 'cmaps')}/`, standardFontDataUrl: `${path.join(root, 'standard_fonts')}/` };
  } catch {
    return {};
  }
})();

/** A truncated PDF loses its trailer; writers put `%%EOF` last (PDF 32000-1 7.5.5), possibly
 * followed by a little padding. */
const EOF_WINDOW = 4096;
/** A line this much larger than the body text, and short, is taken as a heading. */
const HEADING_SIZE_RATIO = 1.2;
const HEADING_MAX_CHARS = 160;
/** With a different (e.g. bold) font, this much larger is enough (Word's Heading 2: 13-14 pt on 11-12 pt). */
const HEADING_SIZE_RATIO_OTHER_FONT = 1.1;
/** A same-size bold line is a heading only when short and alone. */
const BOLD_HEADING_MAX_CHARS = 80;
/** Lines further apart than this many line heights start a new paragraph. */
const PARAGRAPH_GAP = 1.6;

interface Line {
  text: string;
  size: number;
  y: number;
  page: number;
  /** Where the last item ended, to tell a word break from a kerning split. */
  endX: number;
  /** pdfjs font id of the line's first visible text: bold and regular faces are different fonts. */
  font: string;
  /** Set in a fixed-pitch font (pdfjs reports `fontFamily: 'monospace'`): code, not a heading. */
  mono: boolean;
}

/**
 * PDF via pdfjs-dist (legacy build, Node, no worker thread, no font faces, no eval, nothing
 * fetched). Text is grouped into lines by baseline and into paragraphs by vertical gaps; lines
 * set clearly larger than the body text become headings, ranked by size. Page numbers are kept
 * on every block. Scanned PDFs (no text layer) fail with `no_text`; password-protected ones with
 * `encrypted_file` (a PDF encrypted with an empty user password opens, as in any viewer).
 */
export class PdfParser implements DocumentParser {
  readonly format = 'pdf' as const;

  constructor(private readonly limits: ParserLimits = DEFAULT_PARSER_LIMITS) {}

  async parse(bytes: Uint8Array, options?: { fileName?: string; signal?: AbortSignal }): Promise<ParsedDocument> {
    throwIfAborted(options?.signal);
    if (findPdfHeader(bytes) < 0) throw corruptFile('pdf', 'no %PDF header');
    if (!hasEofMarker(bytes)) throw corruptFile('pdf', 'the file is truncated (no %%EOF trailer)');
    const pdfjs = await loadPdfjs();
    // pdfjs transfers (detaches) the buffer it is given: pass a copy, the caller keeps its bytes.
    const task = pdfjs.getDocument({
      data: bytes.slice(),
      isEvalSupported: false,
      disableFontFace: true,
      useSystemFonts: false,
      useWorkerFetch: false,
      disableRange: true,
      disableStream: true,
      disableAutoFetch: true,
      isOffscreenCanvasSupported: false,
      isImageDecoderSupported: false,
      verbosity: 0,
      ...pdfjsAssets,
    });
    // Destroying the loading task rejects whatever pdfjs is awaiting, so a cancelled upload stops
    // mid-page instead of at the next page boundary.
    const signal = options?.signal;
    const onAbort = (): void => void task.destroy().catch(() => undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const doc = await task.promise;
      if (doc.numPages > this.limits.maxPdfPages) {
        throw new RagError({ code: 'invalid_input', reason: `PDF has ${doc.numPages} pages, over the ${this.limits.maxPdfPages}-page limit` });
      }
      const lines: Line[] = [];
      for (let n = 1; n <= doc.numPages; n++) {
        throwIfAborted(options?.signal);
        const page = await doc.getPage(n);
        const content = await page.getTextContent();
        const monospace = new Set(Object.entries(content.styles).filter(([, style]) => style.fontFamily === 'monospace').map(([id]) => id));
        lines.push(...toLines(content.items.filter((item): item is TextItem => 'str' in item), n, monospace));
        page.cleanup();
      }
      const info = (await doc.getMetadata().catch(() => undefined))?.info as { Title?: unknown } | undefined;
      const blocks = toBlocks(dropPageFurniture(lines, doc.numPages));
      const title = cleanPdfTitle(info?.Title) ?? blocks.find((b) => b.kind === 'heading')?.text;
      return finishDocument('pdf', blocks, { pageCount: doc.numPages, ...(title ? { title } : {}) });
    } catch (error) {
      if (signal?.aborted) throw new RagError({ code: 'cancelled' }, { cause: signal.reason });
      throw mapPdfError(error);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await task.destroy().catch(() => undefined);
    }
  }
}

function mapPdfError(error: unknown): RagError {
  const name = (error as { name?: string } | undefined)?.name;
  if (name === 'PasswordException') return new RagError({ code: 'encrypted_file', format: 'pdf' }, { cause: error });
  if (name === 'InvalidPDFException') return corruptFile('pdf', (error as Error).message || 'invalid PDF structure', error);
  return asParserError('pdf', error);
}

/**
 * The Info dictionary's Title, unless it is what Office print drivers put there: "Microsoft Word -
 * report.docx", a bare file name, or "Untitled".
 */
export function cleanPdfTitle(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const title = normalizeInline(raw.replace(/^Microsoft (Word|PowerPoint|Excel) - /i, ''));
  if (!title || /^untitled\b/i.test(title) || /\.(docx?|pdf|odt|rtf|txt|pptx?|xlsx?|indd|tex|html?)$/i.test(title)) return undefined;
  return title;
}

export function hasEofMarker(bytes: Uint8Array): boolean {
  const tail = new TextDecoder('latin1').decode(bytes.subarray(Math.max(0, bytes.length - EOF_WINDOW)));
  return tail.includes('%%EOF');
}

/** A table-of-contents entry: dot leaders, usually followed by a page number. */
const DOT_LEADER = /(?:\s?\.){4,}/g;
const HAS_DOT_LEADER = /(?:\s?\.){4,}/;
const PAGE_NUMBER = /^\s*(?:page\s+)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s*(?:of|\/)\s*\d{1,4})?\s*$/i;

/**
 * Drops what repeats on every page rather than saying anything: page numbers, and running
 * headers/footers (the same text, digits aside, at the same height on at least 3 pages and 20 % of
 * them). Only the two top-most and two bottom-most lines of a page are
 * candidates, so a number or a repeated phrase inside the body is kept. Left in, they would be
 * glued into paragraphs and pollute every chunk of the document.
 */
export function dropPageFurniture<T extends { text: string; y: number; page: number; size: number }>(lines: readonly T[], pageCount: number): T[] {
  // Running heads are set at or below the body size; a larger line repeating at the top of pages
  // is a section heading that starts each page ("Chapter 1", "Chapter 2"), which must stay.
  const body = bodySize(lines);
  const heightsByPage = new Map<number, number[]>();
  for (const line of lines) heightsByPage.set(line.page, [...(heightsByPage.get(line.page) ?? []), line.y]);
  const edgeHeights = new Map<number, Set<number>>();
  for (const [page, heights] of heightsByPage) {
    const distinct = [...new Set(heights)].sort((a, b) => b - a);
    edgeHeights.set(page, new Set([...distinct.slice(0, 2), ...distinct.slice(-2)]));
  }
  const atEdge = (line: T): boolean => edgeHeights.get(line.page)?.has(line.y) ?? false;
  const key = (line: T): string => `${Math.round(line.y)}|${line.text.trim().replace(/\d+/g, '#').toLowerCase()}`;
  const pagesByKey = new Map<string, Set<number>>();
  for (const line of lines) {
    if (!atEdge(line)) continue;
    const k = key(line);
    pagesByKey.set(k, (pagesByKey.get(k) ?? new Set<number>()).add(line.page));
  }
  // 20 %: books alternate headers (title on even pages, chapter on odd ones) and chapter headers
  // change every few pages; 3 pages minimum keeps short documents' repeated phrases.
  const threshold = Math.max(3, Math.ceil(pageCount * 0.2));
  return lines.filter((line) => {
    if (!atEdge(line)) return true;
    if (PAGE_NUMBER.test(line.text)) return false;
    if (line.size > body * 1.05) return true;
    return pageCount < 3 || (pagesByKey.get(key(line))?.size ?? 0) < threshold;
  });
}

/** Groups text items into lines by baseline (pdfjs marks explicit line ends with `hasEOL`). */
function toLines(items: readonly TextItem[], page: number, monospace: ReadonlySet<string> = new Set()): Line[] {
  const lines: Line[] = [];
  let current: Line | undefined;
  let endOfLine = false;
  for (const item of items) {
    const size = Math.hypot(item.transform[2] ?? 0, item.transform[3] ?? 0) || item.height || 0;
    const x = item.transform[4] ?? 0;
    const y = item.transform[5] ?? 0;
    const sameLine = current && !endOfLine && Math.abs(current.y - y) <= Math.max(1, Math.min(current.size, size) * 0.5);
    if (!current || !sameLine) {
      if (current && current.text.trim()) lines.push(current);
      current = { text: item.str, size: item.str.trim() ? size : 0, y, page, endX: x + item.width, font: item.str.trim() ? item.fontName : '', mono: monospace.has(item.fontName) };
    } else {
      const needsSpace = current.text && item.str.trim() && !/\s$/.test(current.text) && !/^\s/.test(item.str);
      // pdfjs emits explicit space items for most writers; where it does not, a horizontal gap of
      // more than ~0.2 em between items is a word break, a smaller one a kerning split.
      current.text += (needsSpace && x - current.endX > Math.max(size, current.size) * 0.2 ? ' ' : '') + item.str;
      current.endX = x + item.width;
      if (item.str.trim()) {
        current.size = Math.max(current.size, size);
        if (!current.font) {
          current.font = item.fontName;
          current.mono = monospace.has(item.fontName);
        }
      }
    }
    endOfLine = item.hasEOL;
  }
  if (current && current.text.trim()) lines.push(current);
  return lines;
}

function toBlocks(lines: readonly Line[]): ReturnType<BlockBuilder['toArray']> {
  const body = bodySize(lines);
  const bodyFont = mostCommon(lines.filter((l) => round(l.size) === body).map((l) => [l.font, l.text.length] as const));
  const separated = (a: Line | undefined, b: Line): boolean =>
    !a || a.page !== b.page || Math.abs(a.y - b.y) > Math.max(a.size, b.size) * PARAGRAPH_GAP;
  // Size is the strong signal; a different font (the bold face) lets slightly larger lines in,
  // and same-size bold lines too when they stand alone and read like a title, not a sentence.
  const flags = lines.map((line, i) => {
    const text = line.text.trim();
    if (body <= 0 || text.length > HEADING_MAX_CHARS || !/\p{L}/u.test(text) || HAS_DOT_LEADER.test(text)) return false;
    if (line.size >= body * HEADING_SIZE_RATIO) return true;
    const otherFont = line.font !== '' && line.font !== bodyFont && !line.mono;
    if (otherFont && line.size >= body * HEADING_SIZE_RATIO_OTHER_FONT) return true;
    return (
      otherFont &&
      Math.abs(line.size - body) <= body * 0.05 &&
      text.length <= BOLD_HEADING_MAX_CHARS &&
      /^[\p{Lu}\p{N}]/u.test(text) &&
      !/[.,;:!?]$/.test(text) &&
      separated(lines[i - 1], line) &&
      separated(line, lines[i + 1] ?? line)
    );
  });
  const headingLines = new Set(lines.filter((_, i) => flags[i]));
  const isHeading = (line: Line): boolean => headingLines.has(line);
  const headingSizes = [...new Set(lines.filter(isHeading).map((l) => round(l.size)))].sort((a, b) => b - a);
  const levelOf = (size: number): number => Math.min(6, headingSizes.indexOf(round(size)) + 1);

  const blocks = new BlockBuilder();
  let paragraph: Line[] = [];
  let heading: Line[] = [];
  const flushParagraph = (): void => {
    const first = paragraph[0];
    if (first) blocks.paragraph(joinLines(paragraph.map((l) => l.text)).replace(DOT_LEADER, ' … '), first.page);
    paragraph = [];
  };
  const flushHeading = (): void => {
    const first = heading[0];
    if (first) blocks.heading(levelOf(first.size), heading.map((l) => l.text).join(' '), first.page);
    heading = [];
  };

  for (const line of lines) {
    if (isHeading(line)) {
      flushParagraph();
      const prev = heading[heading.length - 1];
      if (prev && (prev.page !== line.page || round(prev.size) !== round(line.size) || Math.abs(prev.y - line.y) > line.size * 2)) flushHeading();
      heading.push(line);
      continue;
    }
    flushHeading();
    const prev = paragraph[paragraph.length - 1];
    if (prev && (prev.page !== line.page || Math.abs(prev.y - line.y) > Math.max(prev.size, line.size) * PARAGRAPH_GAP || Math.abs(prev.size - line.size) > body * 0.15)) {
      flushParagraph();
    }
    paragraph.push(line);
  }
  flushParagraph();
  flushHeading();
  return blocks.toArray();
}

/** Joins wrapped lines, undoing end-of-line hyphenation ("exam-" + "ple" -> "example"). */
export function joinLines(lines: readonly string[]): string {
  let out = '';
  for (const raw of lines) {
    const line = raw.trim();
    if (!line) continue;
    if (!out) out = line;
    else if (/\p{L}-$/u.test(out) && /^\p{Ll}/u.test(line)) out = out.slice(0, -1) + line;
    else out += ` ${line}`;
  }
  return out;
}

/** The most common text size, weighted by characters: what body text is set in. */
function bodySize(lines: ReadonlyArray<{ text: string; size: number }>): number {
  const weight = new Map<number, number>();
  for (const line of lines) {
    if (line.size <= 0) continue;
    const key = round(line.size);
    weight.set(key, (weight.get(key) ?? 0) + line.text.length);
  }
  let best = 0;
  let bestWeight = -1;
  for (const [size, w] of weight) {
    if (w > bestWeight) {
      best = size;
      bestWeight = w;
    }
  }
  return best;
}

function mostCommon(weighted: ReadonlyArray<readonly [string, number]>): string {
  const totals = new Map<string, number>();
  for (const [key, w] of weighted) totals.set(key, (totals.get(key) ?? 0) + w);
  let best = '';
  let bestWeight = -1;
  for (const [key, w] of totals) {
    if (w > bestWeight) {
      best = key;
      bestWeight = w;
    }
  }
  return best;
}

function round(size: number): number {
  return Math.round(size * 2) / 2;
}

export function createPdfParser(limits?: ParserLimits): DocumentParser {
  return new PdfParser(limits);
}
