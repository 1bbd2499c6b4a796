import { describe, expect, it } from 'vitest';
import { evaluateRuns, mrrAt, ndcgAt, percentile, recallAt } from './metrics';

describe('retrieval metrics (trec_eval definitions)', () => {
  const judged = new Map([
    ['d1', 2],
    ['d2', 1],
    ['d3', 0],
  ]);

  it('computes nDCG@k with graded gains and a log2(rank + 1) discount', () => {
    // DCG = 1/log2(2) [d2 at rank 1] + 2/log2(4) [d1 at rank 3] = 1 + 1 = 2; IDCG = 2 + 1/log2(3).
    const ideal = 2 + 1 / Math.log2(3);
    expect(ndcgAt(['d2', 'x', 'd1'], judged, 10)).toBeCloseTo(2 / ideal, 12);
    expect(ndcgAt(['d1', 'd2'], judged, 10)).toBeCloseTo(1, 12);
    expect(ndcgAt(['d2', 'x', 'd1'], judged, 2)).toBeCloseTo(1 / ideal, 12);
    expect(ndcgAt([], judged, 10)).toBe(0);
  });

  it('counts grade-0 judgements as not relevant', () => {
    expect(ndcgAt(['d3'], judged, 10)).toBe(0);
    expect(recallAt(['d3', 'd1'], judged, 100)).toBe(0.5);
    expect(mrrAt(['d3', 'x', 'd2'], judged, 10)).toBeCloseTo(1 / 3, 12);
    expect(mrrAt(['d3', 'x', 'd2'], judged, 2)).toBe(0);
  });

  it('averages over every judged query, scoring missing runs as 0', () => {
    const qrels = new Map([
      ['q1', new Map([['a', 1]])],
      ['q2', new Map([['b', 1]])],
    ]);
    const scores = evaluateRuns(new Map([['q1', ['a']]]), qrels);
    expect(scores).toEqual({ ndcg10: 0.5, recall100: 0.5, mrr10: 0.5, queries: 2 });
  });

  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});
