import { describe, expect, it } from 'vitest';
import { l2Normalize, poolAndNormalize } from './pooling';

/**
 * Reference computation written independently of the implementation: nested arrays, an explicit
 * 0/1 mask and the textbook formulas, sum_t(mask_t * h_t) / sum_t(mask_t), then v / ||v||.
 */
function referenceMeanPool(hidden: number[][][], mask: number[][]): number[][] {
  return hidden.map((tokens, b) => {
    const dim = tokens[0]!.length;
    const sum = new Array<number>(dim).fill(0);
    let count = 0;
    tokens.forEach((vec, t) => {
      const m = mask[b]![t]!;
      count += m;
      vec.forEach((v, d) => (sum[d] = sum[d]! + m * v));
    });
    const mean = sum.map((s) => s / Math.max(count, 1e-9));
    const norm = Math.sqrt(mean.reduce((a, v) => a + v * v, 0));
    return mean.map((v) => v / norm);
  });
}

function seeded(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
}

describe('poolAndNormalize', () => {
  const rand = seeded(7);
  const [B, S, D] = [3, 5, 8];
  const lengths = [5, 2, 3];
  const nested = Array.from({ length: B }, () => Array.from({ length: S }, () => Array.from({ length: D }, () => Math.fround(rand() * 4))));
  const mask = lengths.map((len) => Array.from({ length: S }, (_, t) => (t < len ? 1 : 0)));
  const flat = Float32Array.from(nested.flat(2));

  it('matches the reference mean pooling over the attention mask', () => {
    const got = poolAndNormalize(flat, [B, S, D], lengths, 'mean');
    const want = referenceMeanPool(nested, mask);
    got.forEach((row, b) => row.forEach((v, d) => expect(v).toBeCloseTo(want[b]![d]!, 6)));
  });

  it('ignores whatever sits in padded positions', () => {
    const noisy = flat.slice();
    for (let b = 0; b < B; b++) for (let t = lengths[b]!; t < S; t++) for (let d = 0; d < D; d++) noisy[(b * S + t) * D + d] = 1e6;
    expect(poolAndNormalize(noisy, [B, S, D], lengths, 'mean')).toEqual(poolAndNormalize(flat, [B, S, D], lengths, 'mean'));
  });

  it('CLS pooling takes the first token, normalised', () => {
    const got = poolAndNormalize(flat, [B, S, D], lengths, 'cls');
    const first = nested[1]![0]!;
    const norm = Math.sqrt(first.reduce((a, v) => a + v * v, 0));
    got[1]!.forEach((v, d) => expect(v).toBeCloseTo(first[d]! / norm, 6));
  });

  it('returns unit vectors and keeps a zero vector finite', () => {
    for (const row of poolAndNormalize(flat, [B, S, D], lengths, 'mean')) {
      expect(Math.hypot(...row)).toBeCloseTo(1, 6);
    }
    expect(l2Normalize([0, 0, 0])).toEqual([0, 0, 0]);
  });

  it('rejects a tensor whose shape does not match its data', () => {
    expect(() => poolAndNormalize(flat, [B, S, D + 1], lengths, 'mean')).toThrow(/shape/);
    expect(() => poolAndNormalize(flat, [B, S, D], [1], 'mean')).toThrow(/lengths/);
  });
});
