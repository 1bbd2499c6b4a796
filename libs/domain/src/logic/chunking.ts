import type { ChildChunk, ParentChunk, ParsedDocument } from '../model/document';
import { ChunkId, ParentId } from '../model/ids';
import type { FileId, OwnerId } from '../model/ids';
import type { TokenCounter } from '../ports/storage.port';

/**
 * Parent/child ("small-to-big") chunking. Children are small so that their embeddings stay
 * specific; parents are large so the LLM sees the surrounding context of a hit. Sizes are in the
 * embedding model's own tokens (the counter is pluggable). Note that all-MiniLM-L6-v2 embeds at
 * most 256 word pieces (its `max_seq_length`), so with that model the tail of a 384-token child
 * counts for BM25 only; lower `childTokens` to embed every token densely.
 */
export interface ChunkingOptions {
  readonly tokenCounter: TokenCounter;
  readonly fileId: FileId;
  readonly ownerId: OwnerId;
  readonly fileName: string;
  /** Target parent size in tokens (default 1200). A parent is never larger unless one word is. */
  readonly parentTokens?: number;
  /** Maximum child size in tokens (default 384). */
  readonly childTokens?: number;
  /** Tokens repeated at the start of the next child (default 64), so a sentence cut at a window edge is still found whole. */
  readonly childOverlap?: number;
  /**
   * A parent smaller than this is not closed at a top-level heading (default 64): a lone title or a
   * one-line preface joins the next section instead of becoming a useless parent of its own.
   */
  readonly minParentTokens?: number;
}

export interface ChunkedDocument {
  readonly parents: ParentChunk[];
  readonly children: ChildChunk[];
}

/** Defaults of `chunkDocument` (parent ~1200, child 384 with 64 overlap, as in the original service). */
export const CHUNKING_DEFAULTS = { parentTokens: 1200, childTokens: 384, childOverlap: 64, minParentTokens: 64 } as const;

/** One heading or (piece of a) paragraph, with where it sits in the document. */
interface Segment {
  readonly text: string;
  readonly tokens: number;
  readonly headingPath: readonly string[];
  readonly page?: number;
  /** Heading level, or undefined for text. */
  readonly headingLevel?: number;
  /** True for the second and later pieces of a split paragraph (joined with a space, not a blank line). */
  readonly continuation: boolean;
}

interface Span {
  readonly start: number;
  readonly end: number;
  readonly segment: Segment;
}

/** Counts with a per-text cache: documents repeat words a lot and counting is the hot path. */
function cachedCounter(counter: TokenCounter): (text: string) => number {
  const cache = new Map<string, number>();
  return (text) => {
    let n = cache.get(text);
    if (n === undefined) {
      n = counter.count(text);
      if (text.length <= 64) cache.set(text, n);
    }
    return n;
  };
}

const SENTENCE_END = /(?<=[.!?…。！？])\s+/u;

/** Splits a too-long word into pieces of at most `max` tokens (binary search on length; never splits a surrogate pair). */
function splitLongWord(word: string, max: number, count: (t: string) => number): string[] {
  const pieces: string[] = [];
  let rest = word;
  while (rest.length > 0 && count(rest) > max) {
    let lo = 1;
    let hi = rest.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (count(rest.slice(0, mid)) <= max) lo = mid;
      else hi = mid - 1;
    }
    let cut = lo;
    const code = rest.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff && cut > 1) cut--;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest.length > 0) pieces.push(rest);
  return pieces;
}

/** Packs `items` (joined by `sep`) into pieces of at most `max` tokens, greedily. */
function pack(items: readonly string[], sep: string, max: number, count: (t: string) => number, split: (item: string) => string[]): string[] {
  const out: string[] = [];
  let current = '';
  for (const item of items) {
    const candidate = current ? current + sep + item : item;
    if (count(candidate) <= max) {
      current = candidate;
      continue;
    }
    if (current) out.push(current);
    current = '';
    if (count(item) <= max) current = item;
    else {
      const parts = split(item);
      out.push(...parts.slice(0, -1));
      current = parts.at(-1) ?? '';
    }
  }
  if (current) out.push(current);
  return out;
}

/** Splits text over `max` tokens on sentence, then word, then character boundaries. */
export function splitToTokenLimit(text: string, max: number, counter: TokenCounter): string[] {
  return splitToLimit(text, max, cachedCounter(counter));
}

function splitToLimit(text: string, max: number, count: (t: string) => number): string[] {
  const total = count(text);
  if (total <= max) return [text];
  // Aim for balanced pieces (10% slack for sentence boundaries), so a split never leaves a
  // tiny tail that would end up as a near-empty parent.
  const pieces = Math.ceil(total / max);
  return splitGreedy(text, Math.min(max, Math.ceil((total / pieces) * 1.1)), count);
}

function splitGreedy(text: string, max: number, count: (t: string) => number): string[] {
  const byWords = (sentence: string) =>
    pack(sentence.split(/\s+/).filter(Boolean), ' ', max, count, (word) => splitLongWord(word, max, count));
  return pack(text.split(SENTENCE_END).filter(Boolean), ' ', max, count, byWords);
}

function validate(options: Required<Pick<ChunkingOptions, 'parentTokens' | 'childTokens' | 'childOverlap'>>): void {
  const { parentTokens, childTokens, childOverlap } = options;
  if (!Number.isInteger(childTokens) || childTokens < 1) throw new RangeError(`childTokens must be a positive integer, got ${childTokens}`);
  if (!Number.isInteger(parentTokens) || parentTokens < childTokens) throw new RangeError(`parentTokens (${parentTokens}) must be an integer >= childTokens (${childTokens})`);
  if (!Number.isInteger(childOverlap) || childOverlap < 0 || childOverlap >= childTokens) throw new RangeError(`childOverlap (${childOverlap}) must be an integer in [0, childTokens)`);
}

/**
 * Splits a parsed document into parents (~1200 tokens, not crossing a top-level section where
 * avoidable, keeping the heading path and page range) and overlapping children (<= 384 tokens,
 * 64 overlap) inside each parent. Ids are deterministic (`ParentId.of`, `ChunkId.of`), so
 * re-ingesting a file overwrites the same points.
 *
 * Headings stay in the parent text as their own lines (they tell the LLM where a passage is and
 * give BM25 the section's vocabulary); each chunk also carries its `headingPath` for citations.
 */
export function chunkDocument(doc: ParsedDocument, options: ChunkingOptions): ChunkedDocument {
  const parentTokens = options.parentTokens ?? CHUNKING_DEFAULTS.parentTokens;
  const childTokens = options.childTokens ?? CHUNKING_DEFAULTS.childTokens;
  const childOverlap = options.childOverlap ?? CHUNKING_DEFAULTS.childOverlap;
  const minParentTokens = options.minParentTokens ?? CHUNKING_DEFAULTS.minParentTokens;
  validate({ parentTokens, childTokens, childOverlap });
  const count = cachedCounter(options.tokenCounter);

  const segments = toSegments(doc, parentTokens, count);
  const topLevel = topSectionLevel(segments);
  const groups = groupIntoParents(segments, { parentTokens, minParentTokens, topLevel });

  const parents: ParentChunk[] = [];
  const children: ChildChunk[] = [];
  for (const group of groups) {
    const { text, spans } = joinSegments(group);
    if (!/\S/u.test(text)) continue;
    const parentIndex = parents.length;
    const id = ParentId.of(options.fileId, parentIndex);
    parents.push({
      id,
      fileId: options.fileId,
      ownerId: options.ownerId,
      fileName: options.fileName,
      index: parentIndex,
      text,
      tokenCount: count(text),
      ...locate(spans, 0, text.length),
    });
    for (const window of childWindows(text, childTokens, childOverlap, count)) {
      const childIndex = children.length;
      children.push({
        id: ChunkId.of(options.fileId, childIndex),
        parentId: id,
        fileId: options.fileId,
        ownerId: options.ownerId,
        fileName: options.fileName,
        index: childIndex,
        text: window.text,
        tokenCount: window.tokens,
        ...locate(spans, window.start, window.end),
      });
    }
  }
  return { parents, children };
}

function toSegments(doc: ParsedDocument, parentTokens: number, count: (t: string) => number): Segment[] {
  const segments: Segment[] = [];
  const stack: { level: number; text: string }[] = [];
  for (const block of doc.blocks) {
    const text = block.text.replace(/\s+/gu, ' ').trim();
    if (!text) continue;
    const page = block.page === undefined ? {} : { page: block.page };
    if (block.kind === 'heading') {
      while (stack.length > 0 && (stack.at(-1)?.level ?? 0) >= block.level) stack.pop();
      stack.push({ level: block.level, text });
    }
    const headingPath = stack.map((h) => h.text);
    // Leave room for the headings right above this paragraph: they open the same parent.
    let headingTokens = 0;
    for (let i = segments.length - 1; i >= 0; i--) {
      const previous = segments[i];
      if (previous?.headingLevel === undefined) break;
      headingTokens += previous.tokens;
    }
    const budget = block.kind === 'heading' ? parentTokens : Math.max(Math.ceil(parentTokens / 2), parentTokens - headingTokens);
    const pieces = splitToLimit(text, budget, count);
    pieces.forEach((piece, i) =>
      segments.push({
        text: piece,
        tokens: count(piece),
        headingPath,
        ...page,
        ...(block.kind === 'heading' ? { headingLevel: block.level } : {}),
        continuation: i > 0,
      }),
    );
  }
  return segments;
}

/**
 * The heading level that starts a top-level section: the shallowest level used more than once. A
 * level used once is a document title (a DOCX "Title", the biggest font of a PDF), and closing
 * parents only at it would never close them at the chapters below it.
 */
function topSectionLevel(segments: readonly Segment[]): number {
  const counts = new Map<number, number>();
  for (const s of segments) {
    if (s.headingLevel !== undefined && !s.continuation) counts.set(s.headingLevel, (counts.get(s.headingLevel) ?? 0) + 1);
  }
  const levels = [...counts.keys()].sort((a, b) => a - b);
  return levels.find((level) => (counts.get(level) ?? 0) > 1) ?? levels[0] ?? Infinity;
}

function groupIntoParents(
  segments: readonly Segment[],
  limits: { parentTokens: number; minParentTokens: number; topLevel: number },
): Segment[][] {
  const groups: Segment[][] = [];
  let current: Segment[] = [];
  let tokens = 0;
  const flush = () => {
    // A heading at the very end of a parent belongs with the text after it.
    const carried: Segment[] = [];
    while (current.length > 1 && current.at(-1)?.headingLevel !== undefined) {
      const heading = current.pop();
      if (heading) carried.unshift(heading);
    }
    if (current.length > 0) groups.push(current);
    current = carried;
    tokens = carried.reduce((n, s) => n + s.tokens, 0);
  };
  for (const segment of segments) {
    const startsTopSection = segment.headingLevel !== undefined && segment.headingLevel <= limits.topLevel;
    if (startsTopSection && tokens >= limits.minParentTokens) flush();
    else if (current.length > 0 && tokens + segment.tokens > limits.parentTokens) flush();
    // Carried-over headings plus this segment may still not fit: close what was carried.
    if (current.length > 0 && tokens + segment.tokens > limits.parentTokens) {
      groups.push(current);
      current = [];
      tokens = 0;
    }
    current.push(segment);
    tokens += segment.tokens;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function joinSegments(group: readonly Segment[]): { text: string; spans: Span[] } {
  let text = '';
  const spans: Span[] = [];
  for (const segment of group) {
    if (text) text += segment.continuation ? ' ' : '\n\n';
    spans.push({ start: text.length, end: text.length + segment.text.length, segment });
    text += segment.text;
  }
  return { text, spans };
}

/**
 * Heading path of the first text the range touches (a chunk that opens with "Chapter 2" then
 * "Section 2.1" is about Section 2.1), and the page range of every segment it touches.
 */
function locate(spans: readonly Span[], start: number, end: number): { headingPath: readonly string[]; pageStart?: number; pageEnd?: number } {
  const touched = spans.filter((s) => s.end > start && s.start < end);
  const first = touched.find((s) => s.segment.headingLevel === undefined) ?? touched[0] ?? spans[0];
  const pages = touched.map((s) => s.segment.page).filter((p): p is number => p !== undefined);
  return {
    headingPath: first?.segment.headingPath ?? [],
    ...(pages.length > 0 ? { pageStart: Math.min(...pages), pageEnd: Math.max(...pages) } : {}),
  };
}

interface Window {
  readonly text: string;
  readonly tokens: number;
  readonly start: number;
  readonly end: number;
}

/**
 * Sliding windows over whole words: each window holds as many words as fit in `max` tokens, and
 * the next one starts `overlap` tokens (rounded down to whole words) before it ended. Word counts
 * are summed, then the window text is recounted because subword tokenizers are not always
 * additive across words.
 */
function childWindows(text: string, max: number, overlap: number, count: (t: string) => number): Window[] {
  const units: { start: number; end: number; tokens: number }[] = [];
  for (const match of text.matchAll(/\S+/gu)) {
    const word = match[0];
    const start = match.index;
    const n = count(word);
    if (n <= max) {
      units.push({ start, end: start + word.length, tokens: n });
      continue;
    }
    let offset = start;
    for (const piece of splitLongWord(word, max, count)) {
      units.push({ start: offset, end: offset + piece.length, tokens: count(piece) });
      offset += piece.length;
    }
  }
  const unit = (i: number) => {
    const u = units[i];
    if (!u) throw new RangeError(`chunker: word ${i} out of range`);
    return u;
  };
  const windows: Window[] = [];
  let first = 0;
  while (first < units.length) {
    let last = first;
    let sum = unit(first).tokens;
    while (last + 1 < units.length && sum + unit(last + 1).tokens <= max) sum += unit(++last).tokens;
    const start = unit(first).start;
    let slice = text.slice(start, unit(last).end);
    let tokens = count(slice);
    while (tokens > max && last > first) {
      last--;
      slice = text.slice(start, unit(last).end);
      tokens = count(slice);
    }
    windows.push({ text: slice, tokens, start, end: unit(last).end });
    if (last === units.length - 1) break;
    let next = last + 1;
    let repeated = 0;
    while (next - 1 > first && repeated + unit(next - 1).tokens <= overlap) repeated += unit(--next).tokens;
    first = next;
  }
  return windows;
}
