import { loadSharedTokenizer } from '@docrag/testing';
import { describe, expect, it } from 'vitest';
import type { DocumentBlock, ParsedDocument } from '../model/document';
import { ChunkId, FileId, OwnerId, ParentId } from '../model/ids';
import type { TokenCounter } from '../ports/storage.port';
import { chunkDocument, splitToTokenLimit } from './chunking';

const tokenizer = loadSharedTokenizer();
const owner = OwnerId.user(42);
const fileId = FileId.of(owner, 'ab'.repeat(32));
const base = { fileId, ownerId: owner, fileName: 'book.pdf' };

/** Deterministic pseudo-random generator (mulberry32), so the corpus is the same on every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VOCAB = (
  'the of and retrieval document chunk embedding transformer tokenization photosynthesis mitochondria ' +
  'a in is on was river mountain zebra quantum eigenvalue café naïve über 2024 3.14 e-mail (note) ' +
  'electroencephalography incomprehensibilities Bundesverfassungsgericht東京 données résumé'
).split(' ');

function sentence(random: () => number): string {
  const n = 6 + Math.floor(random() * 18);
  const words = Array.from({ length: n }, () => VOCAB[Math.floor(random() * VOCAB.length)]!);
  const s = words.join(' ');
  return s[0]!.toUpperCase() + s.slice(1) + (random() < 0.1 ? '!' : '.');
}

function paragraph(random: () => number, sentences: number): string {
  return Array.from({ length: sentences }, () => sentence(random)).join(' ');
}

/** Three chapters with sections, ~12k tokens, spread over pages. */
function book(): ParsedDocument {
  const random = rng(7);
  const blocks: DocumentBlock[] = [];
  let page = 1;
  for (let c = 1; c <= 3; c++) {
    blocks.push({ kind: 'heading', level: 1, text: `Chapter ${c}`, page });
    for (let s = 1; s <= 3; s++) {
      blocks.push({ kind: 'heading', level: 2, text: `Section ${c}.${s}`, page });
      for (let p = 0; p < 5; p++) {
        blocks.push({ kind: 'paragraph', text: paragraph(random, 3 + Math.floor(random() * 8)), page });
        if (random() < 0.4) page++;
      }
    }
  }
  return { format: 'pdf', blocks, pageCount: page };
}

const words = (text: string) => text.split(/\s+/).filter(Boolean);

/** Longest suffix of `a` (in whole words) that is a prefix of `b`. */
function overlapWords(a: string, b: string): string[] {
  const wa = words(a);
  const wb = words(b);
  for (let n = Math.min(wa.length, wb.length - 1); n > 0; n--) {
    if (wa.slice(-n).join(' ') === wb.slice(0, n).join(' ')) return wa.slice(-n);
  }
  return [];
}

describe('chunkDocument with the MiniLM tokenizer', () => {
  const doc = book();
  const { parents, children } = chunkDocument(doc, { ...base, tokenCounter: tokenizer });

  it('keeps every child within 384 tokens, and fills the non-final ones', () => {
    expect(children.length).toBeGreaterThan(20);
    for (const child of children) {
      const real = tokenizer.count(child.text);
      expect(child.tokenCount).toBe(real);
      expect(real).toBeLessThanOrEqual(384);
    }
    const byParent = new Map<string, typeof children>();
    for (const child of children) byParent.set(child.parentId, [...(byParent.get(child.parentId) ?? []), child]);
    for (const group of byParent.values()) {
      // A window stops only when the next word would not fit; words here are <= 12 tokens.
      for (const child of group.slice(0, -1)) expect(child.tokenCount).toBeGreaterThan(384 - 12);
    }
  });

  it('overlaps consecutive children of a parent by about 64 tokens (never more)', () => {
    let pairs = 0;
    for (let i = 1; i < children.length; i++) {
      const [prev, next] = [children[i - 1]!, children[i]!];
      if (prev.parentId !== next.parentId) continue;
      const shared = overlapWords(prev.text, next.text).join(' ');
      const tokens = tokenizer.count(shared);
      expect(tokens).toBeLessThanOrEqual(64);
      expect(tokens).toBeGreaterThan(64 - 12);
      pairs++;
    }
    expect(pairs).toBeGreaterThan(10);
  });

  it('makes parents of about 1200 tokens that never cross a chapter', () => {
    for (const parent of parents) {
      expect(tokenizer.count(parent.text)).toBeLessThanOrEqual(1200);
      expect(parent.tokenCount).toBe(tokenizer.count(parent.text));
      const chapters = parent.text.match(/^Chapter \d$/gmu) ?? [];
      expect(chapters.length).toBeLessThanOrEqual(1);
      if (chapters.length === 1) expect(parent.text.startsWith(chapters[0]!)).toBe(true);
    }
    // Most parents are well filled: closing happens only at a chapter or when the next paragraph would overflow.
    const big = parents.filter((p) => p.tokenCount > 700);
    expect(big.length).toBeGreaterThanOrEqual(parents.length / 2);
    const perChapter = [1, 2, 3].map((c) => parents.filter((p) => p.headingPath[0] === `Chapter ${c}`).length);
    expect(perChapter.every((n) => n >= 2)).toBe(true);
  });

  it('loses no word: parents cover the document and children cover each parent', () => {
    expect(parents.flatMap((p) => words(p.text))).toEqual(doc.blocks.flatMap((b) => words(b.text)));
    for (const parent of parents) {
      const kids = children.filter((c) => c.parentId === parent.id);
      const rebuilt = words(kids[0]!.text);
      for (let i = 1; i < kids.length; i++) {
        const shared = overlapWords(kids[i - 1]!.text, kids[i]!.text).length;
        rebuilt.push(...words(kids[i]!.text).slice(shared));
      }
      expect(rebuilt).toEqual(words(parent.text));
    }
  });

  it('keeps heading paths and page ranges', () => {
    for (const child of children) {
      const parent = parents.find((p) => p.id === child.parentId)!;
      expect(child.pageStart).toBeGreaterThanOrEqual(parent.pageStart!);
      expect(child.pageEnd).toBeLessThanOrEqual(parent.pageEnd!);
      expect(child.pageStart!).toBeLessThanOrEqual(child.pageEnd!);
      expect(child.headingPath).toHaveLength(2);
      expect(child.headingPath[1]!.startsWith(`Section ${child.headingPath[0]!.slice(-1)}.`)).toBe(true);
    }
    expect(parents[0]!.headingPath).toEqual(['Chapter 1', 'Section 1.1']);
    expect(parents[0]!.pageStart).toBe(1);
    expect(parents.at(-1)!.pageEnd).toBe(doc.pageCount);
    // A child that starts inside Section 2.2's text carries that path.
    const inside = children.find((c) => c.text.startsWith('Section 2.2'));
    if (inside) expect(inside.headingPath).toEqual(['Chapter 2', 'Section 2.2']);
  });

  it('gives deterministic ids and indexes', () => {
    parents.forEach((p, i) => {
      expect(p.id).toBe(ParentId.of(fileId, i));
      expect(p.index).toBe(i);
    });
    children.forEach((c, i) => {
      expect(c.id).toBe(ChunkId.of(fileId, i));
      expect(c.index).toBe(i);
      expect(c.ownerId).toBe(owner);
      expect(c.fileName).toBe('book.pdf');
    });
    expect(chunkDocument(doc, { ...base, tokenCounter: tokenizer })).toEqual({ parents, children });
  });
});

/** One token per whitespace-separated word: makes exact expectations easy to write. */
const wordCounter: TokenCounter = { count: (t) => words(t).length };
const numbered = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `w${from + i}`).join(' ');

describe('chunkDocument with a pluggable counter', () => {
  it('slides exact windows of childTokens with childOverlap', () => {
    const doc: ParsedDocument = { format: 'text', blocks: [{ kind: 'paragraph', text: numbered(1, 10) }] };
    const { parents, children } = chunkDocument(doc, { ...base, tokenCounter: wordCounter, parentTokens: 20, childTokens: 4, childOverlap: 2 });
    expect(parents).toHaveLength(1);
    expect(children.map((c) => c.text)).toEqual(['w1 w2 w3 w4', 'w3 w4 w5 w6', 'w5 w6 w7 w8', 'w7 w8 w9 w10']);
    expect(children.every((c) => c.parentId === parents[0]!.id)).toBe(true);
  });

  it('closes a parent at a top-level heading, but merges a tiny preface into the next section', () => {
    const doc: ParsedDocument = {
      format: 'markdown',
      blocks: [
        { kind: 'heading', level: 1, text: 'Title' },
        { kind: 'heading', level: 2, text: 'Part A' },
        { kind: 'paragraph', text: numbered(1, 8) },
        { kind: 'heading', level: 2, text: 'Part B' },
        { kind: 'paragraph', text: numbered(9, 16) },
      ],
    };
    const opts = { ...base, tokenCounter: wordCounter, parentTokens: 100, childTokens: 50, childOverlap: 5, minParentTokens: 5 };
    // The lone level-1 heading is a title: sections start at level 2, and the title joins Part A.
    const titled = chunkDocument(doc, opts).parents;
    expect(titled.map((p) => p.text.split('\n\n')[0])).toEqual(['Title', 'Part B']);
    expect(titled[0]!.headingPath).toEqual(['Title', 'Part A']);
    // With two level-1 headings, level 1 is the section level and the parts stay together.
    const twoChapters: ParsedDocument = { ...doc, blocks: [...doc.blocks, { kind: 'heading', level: 1, text: 'Appendix' }, { kind: 'paragraph', text: numbered(20, 30) }] };
    expect(chunkDocument(twoChapters, opts).parents.map((p) => p.text.split('\n\n')[0])).toEqual(['Title', 'Appendix']);
    const sections = chunkDocument({ ...doc, blocks: doc.blocks.slice(1) }, opts).parents;
    expect(sections.map((p) => p.headingPath)).toEqual([['Part A'], ['Part B']]);
    expect(sections[1]!.text).toBe(`Part B\n\n${numbered(9, 16)}`);
    // With a larger minimum, the small Part A is merged instead of closed.
    expect(chunkDocument({ ...doc, blocks: doc.blocks.slice(1) }, { ...opts, minParentTokens: 20 }).parents).toHaveLength(1);
  });

  it('moves a heading left at the end of a full parent to the next one', () => {
    const doc: ParsedDocument = {
      format: 'markdown',
      blocks: [
        { kind: 'heading', level: 1, text: 'A' },
        { kind: 'paragraph', text: numbered(1, 8) },
        { kind: 'heading', level: 2, text: 'Sub' },
        { kind: 'paragraph', text: numbered(9, 16) },
      ],
    };
    const { parents } = chunkDocument(doc, { ...base, tokenCounter: wordCounter, parentTokens: 10, childTokens: 5, childOverlap: 1 });
    expect(parents.map((p) => p.text)).toEqual([`A\n\n${numbered(1, 8)}`, `Sub\n\n${numbered(9, 16)}`]);
    expect(parents[1]!.headingPath).toEqual(['A', 'Sub']);
  });

  it('splits a paragraph larger than a parent at sentence boundaries', () => {
    const sentences = Array.from({ length: 6 }, (_, i) => `${numbered(i * 5 + 1, i * 5 + 4)} end${i}.`);
    const doc: ParsedDocument = { format: 'text', blocks: [{ kind: 'paragraph', text: sentences.join(' '), page: 3 }] };
    const { parents } = chunkDocument(doc, { ...base, tokenCounter: wordCounter, parentTokens: 12, childTokens: 6, childOverlap: 1 });
    expect(parents.map((p) => p.text)).toEqual([sentences.slice(0, 2).join(' '), sentences.slice(2, 4).join(' '), sentences.slice(4).join(' ')]);
    expect(parents.every((p) => p.pageStart === 3 && p.pageEnd === 3)).toBe(true);
  });

  it('splits a word longer than a child into pieces', () => {
    const long = 'x'.repeat(50);
    const charCounter: TokenCounter = { count: (t) => Math.ceil(t.replace(/\s/g, '').length / 5) };
    const { children } = chunkDocument({ format: 'text', blocks: [{ kind: 'paragraph', text: long }] }, {
      ...base,
      tokenCounter: charCounter,
      parentTokens: 20,
      childTokens: 4,
      childOverlap: 1,
    });
    expect(children.map((c) => c.text).join('')).toBe(long);
    expect(children.every((c) => c.tokenCount <= 4)).toBe(true);
  });

  it('returns nothing for a document without text and rejects bad sizes', () => {
    expect(chunkDocument({ format: 'text', blocks: [{ kind: 'paragraph', text: '  ' }] }, { ...base, tokenCounter: wordCounter })).toEqual({
      parents: [],
      children: [],
    });
    expect(() => chunkDocument({ format: 'text', blocks: [] }, { ...base, tokenCounter: wordCounter, childOverlap: 384 })).toThrow(/childOverlap/);
    expect(() => chunkDocument({ format: 'text', blocks: [] }, { ...base, tokenCounter: wordCounter, parentTokens: 100 })).toThrow(/parentTokens/);
  });

  it('splitToTokenLimit falls back from sentences to words', () => {
    expect(splitToTokenLimit('a b c. d e f g h i j.', 4, wordCounter)).toEqual(['a b c.', 'd e f g', 'h i j.']);
  });
});

describe('chunkDocument at scale', () => {
  it('handles a document with 200k blocks (no argument-count limits)', () => {
    const blocks: DocumentBlock[] = Array.from({ length: 200_000 }, (_, i) =>
      i % 1000 === 0 ? { kind: 'heading', level: 1, text: `Part ${i}` } : { kind: 'paragraph', text: `p${i}` },
    );
    const { parents, children } = chunkDocument({ format: 'text', blocks }, { ...base, tokenCounter: wordCounter });
    expect(parents).toHaveLength(200);
    expect(children.length).toBeGreaterThanOrEqual(600);
  });
});
