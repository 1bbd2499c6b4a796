import { describe, expect, it } from 'vitest';
import { reciprocalRankFusion } from './rrf';

const key = (s: string) => s;

describe('reciprocalRankFusion', () => {
  it('fuses a known example in the order the formula gives', () => {
    // dense: a b c d ; sparse: c a e
    // a = 1/61 + 1/62 = 0.032522 ; c = 1/63 + 1/61 = 0.032266 ; b = 1/62 ; e = 1/63 ; d = 1/64
    const fused = reciprocalRankFusion([['a', 'b', 'c', 'd'], ['c', 'a', 'e']], { key });
    expect(fused.map((f) => f.item)).toEqual(['a', 'c', 'b', 'e', 'd']);
    expect(fused[0]!.score).toBeCloseTo(1 / 61 + 1 / 62, 12);
    expect(fused[1]!.score).toBeCloseTo(1 / 63 + 1 / 61, 12);
    expect(fused[4]!.score).toBeCloseTo(1 / 64, 12);
  });

  it('lets an item found by both lists beat one ranked first by a single list', () => {
    const fused = reciprocalRankFusion([['x', 'y'], ['z', 'y']], { key });
    expect(fused[0]!.item).toBe('y');
  });

  it('uses k: with k = 0 the top item of one list outweighs two second places', () => {
    const fused = reciprocalRankFusion([['x', 'y'], ['z', 'y']], { key, k: 0 });
    // x = 1, y = 1/2 + 1/2 = 1, z = 1: ties keep first appearance
    expect(fused.map((f) => f.item)).toEqual(['x', 'y', 'z']);
    const k1 = reciprocalRankFusion([['x', 'y', 'w'], ['z', 'w', 'y']], { key, k: 1 });
    // y = 1/3 + 1/4, w = 1/4 + 1/3 (tie, y seen first), then x = z = 1/2
    expect(k1.map((f) => f.item)).toEqual(['y', 'w', 'x', 'z']);
  });

  it('limits the result (default 30)', () => {
    const many = Array.from({ length: 50 }, (_, i) => `d${i}`);
    expect(reciprocalRankFusion([many], { key })).toHaveLength(30);
    expect(reciprocalRankFusion([many], { key, limit: 3 }).map((f) => f.item)).toEqual(['d0', 'd1', 'd2']);
  });

  it('counts a duplicate inside one list once, at its best rank', () => {
    const fused = reciprocalRankFusion([['a', 'a', 'b']], { key });
    expect(fused.map((f) => f.item)).toEqual(['a', 'b']);
    expect(fused[1]!.score).toBeCloseTo(1 / 63, 12);
  });

  it('keeps the first object seen and works on empty input', () => {
    const first = { id: '1', from: 'dense' };
    const fused = reciprocalRankFusion([[first], [{ id: '1', from: 'sparse' }]], { key: (o) => o.id });
    expect(fused[0]!.item).toBe(first);
    expect(reciprocalRankFusion<string>([], { key })).toEqual([]);
    expect(reciprocalRankFusion([[], []], { key })).toEqual([]);
  });

  it('rejects a negative k or limit', () => {
    expect(() => reciprocalRankFusion([['a']], { key, k: -1 })).toThrow(/k must be/);
    expect(() => reciprocalRankFusion([['a']], { key, limit: -1 })).toThrow(/limit must be/);
  });
});
