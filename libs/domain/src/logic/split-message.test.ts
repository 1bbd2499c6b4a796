import { describe, expect, it } from 'vitest';
import type { EntityLike } from './split-message';
import { splitMessage } from './split-message';

function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ['word', 'Привет', 'данные', '😀', '👍🏽', '🇩🇪', '𝔘𝔫𝔦', 'a', '東京', '. ', '! ', ' ', ' ', ' ', '\n', '\n\n', 'supercalifragilistic'];

function randomText(random: () => number, length: number): string {
  let text = '';
  while (text.length < length) text += PIECES[Math.floor(random() * PIECES.length)]!;
  return text;
}

/** Random nested or disjoint entities, never starting or ending inside a surrogate pair (as Telegram produces them). */
function randomEntities(random: () => number, text: string, limit: number): EntityLike[] {
  const out: EntityLike[] = [];
  const n = Math.floor(random() * 12);
  const safe = (i: number) => (i > 0 && i < text.length && text.charCodeAt(i) >= 0xdc00 && text.charCodeAt(i) <= 0xdfff ? i + 1 : i);
  for (let i = 0; i < n; i++) {
    const offset = safe(Math.floor(random() * text.length));
    const maxLen = random() < 0.15 ? limit * 2 : limit / 3;
    const end = safe(Math.min(text.length, offset + 1 + Math.floor(random() * maxLen)));
    // Telegram entities nest or stay apart; they never partially overlap.
    const crosses = out.some((o) => (o.offset < offset && offset < o.offset + o.length && o.offset + o.length < end) || (offset < o.offset && o.offset < end && end < o.offset + o.length));
    if (end > offset && !crosses) out.push({ offset, length: end - offset, type: random() < 0.5 ? 'bold' : 'code' });
  }
  return out;
}

/** Maps each part's entities back to absolute offsets and merges the pieces of split entities. */
function reassemble(parts: { text: string; entities: EntityLike[] }[]): EntityLike[] {
  const out: EntityLike[] = [];
  let base = 0;
  for (const part of parts) {
    for (const e of part.entities) out.push({ ...e, offset: e.offset + base });
    base += part.text.length;
  }
  return out;
}

describe('splitMessage', () => {
  it('returns one part for short text', () => {
    expect(splitMessage('hello', { entities: [{ offset: 0, length: 5, type: 'bold' }] })).toEqual([
      { text: 'hello', entities: [{ offset: 0, length: 5, type: 'bold' }] },
    ]);
    expect(splitMessage('x'.repeat(4096))).toHaveLength(1);
    expect(splitMessage('x'.repeat(4097))).toHaveLength(2);
  });

  it('prefers a paragraph break, then a sentence end, then a space', () => {
    const para = splitMessage('aaaa bbbb. cccc\n\ndddd eeee', { limit: 20 });
    expect(para.map((p) => p.text)).toEqual(['aaaa bbbb. cccc\n\n', 'dddd eeee']);
    const sentence = splitMessage('aaaa bbbb. cccc dddd eeee', { limit: 20 });
    expect(sentence.map((p) => p.text)).toEqual(['aaaa bbbb. ', 'cccc dddd eeee']);
    const word = splitMessage('aaaa bbbb cccc dddd eeee', { limit: 12 });
    expect(word.map((p) => p.text)).toEqual(['aaaa bbbb ', 'cccc dddd ', 'eeee']);
    const cjk = splitMessage('東京は大きい。大阪も大きいです', { limit: 10 });
    expect(cjk.map((p) => p.text)).toEqual(['東京は大きい。', '大阪も大きいです']);
    const hard = splitMessage('abcdefghij', { limit: 4 });
    expect(hard.map((p) => p.text)).toEqual(['abcd', 'efgh', 'ij']);
  });

  it('moves the cut before an entity that would otherwise be split', () => {
    const text = 'aaaa bbbb cccc dddd';
    // "cccc dddd" is bold; the word cut after "cccc " would split it, so the cut goes before it.
    const parts = splitMessage(text, { limit: 16, entities: [{ offset: 10, length: 9, type: 'bold' }] });
    expect(parts.map((p) => p.text)).toEqual(['aaaa bbbb ', 'cccc dddd']);
    expect(parts[1]!.entities).toEqual([{ offset: 0, length: 9, type: 'bold' }]);
    expect(parts[0]!.entities).toEqual([]);
  });

  it('splits an entity longer than the limit into one entity per part, keeping extra fields', () => {
    const text = 'x'.repeat(25);
    const link = { offset: 2, length: 20, type: 'text_link', url: 'https://example.org' };
    const parts = splitMessage(text, { limit: 10, entities: [link] });
    expect(parts.map((p) => p.text.length)).toEqual([10, 10, 5]);
    expect(parts.map((p) => p.entities)).toEqual([
      [{ ...link, offset: 2, length: 8 }],
      [{ ...link, offset: 0, length: 10 }],
      [{ ...link, offset: 0, length: 2 }],
    ]);
  });

  it('never splits a surrogate pair', () => {
    const text = '😀'.repeat(10); // 20 code units
    const parts = splitMessage(text, { limit: 5 });
    expect(parts.every((p) => p.text.length <= 5 && !/[\ud800-\udbff]$/.test(p.text))).toBe(true);
    expect(parts.map((p) => p.text).join('')).toBe(text);
    expect(parts.map((p) => p.text.length)).toEqual([4, 4, 4, 4, 4]);
  });

  it('rejects entities outside the text and a silly limit', () => {
    expect(() => splitMessage('abc', { entities: [{ offset: 2, length: 5, type: 'bold' }] })).toThrow(/outside the text/);
    expect(() => splitMessage('abc', { limit: 1 })).toThrow(/limit/);
  });

  it('property: parts fit, lose no character, keep entities whole (500 random inputs)', () => {
    const random = rng(20240601);
    for (let run = 0; run < 500; run++) {
      const limit = run % 5 === 0 ? 4096 : 16 + Math.floor(random() * 300);
      const text = randomText(random, Math.floor(random() * limit * 4));
      const entities = randomEntities(random, text, limit);
      const parts = splitMessage(text, { limit, entities });

      expect(parts.map((p) => p.text).join('')).toBe(text);
      for (const part of parts) {
        expect(part.text.length).toBeLessThanOrEqual(limit);
        expect(part.text.length).toBeGreaterThan(0);
        const last = part.text.charCodeAt(part.text.length - 1);
        expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
        for (const e of part.entities) expect(e.offset + e.length).toBeLessThanOrEqual(part.text.length);
      }
      // Entities that fit in a part come through unchanged; longer ones come back as contiguous pieces.
      const back = reassemble(parts);
      for (const e of entities) {
        const pieces = back.filter((b) => b.type === e.type && b.offset >= e.offset && b.offset + b.length <= e.offset + e.length);
        if (e.length <= limit) expect(back).toContainEqual(e);
        else expect(pieces.reduce((n, p) => n + p.length, 0)).toBeGreaterThanOrEqual(e.length);
      }
      expect(back.length).toBeGreaterThanOrEqual(entities.length);
    }
  });
});
