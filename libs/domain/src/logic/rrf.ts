/**
 * Reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009): each list contributes
 * `1 / (k + rank)` for every item it contains (rank is 1-based), and items are sorted by the sum.
 * k = 60 is the paper's constant; it damps the weight of the very first ranks so that one list
 * cannot dominate. Only ranks matter, so dense cosine scores and BM25 scores need no calibration.
 */
export interface RrfOptions<T> {
  /** Identity of an item across lists (e.g. the chunk id). */
  readonly key: (item: T) => string;
  /** The damping constant (default 60, as in the paper). */
  readonly k?: number;
  /** Maximum number of fused results (default 30). */
  readonly limit?: number;
}

export interface Fused<T> {
  /** The item as it appeared in the first list that contained it. */
  readonly item: T;
  readonly score: number;
}

/**
 * Fuses ranked lists (best first) into one. Ties keep the order of first appearance, so the result
 * is deterministic.
 *
 * @example reciprocalRankFusion([denseHits, sparseHits], { key: (h) => h.chunk.id })
 */
export function reciprocalRankFusion<T>(lists: readonly (readonly T[])[], options: RrfOptions<T>): Fused<T>[] {
  const k = options.k ?? 60;
  const limit = options.limit ?? 30;
  if (!(k >= 0) || !Number.isFinite(k)) throw new RangeError(`rrf k must be a finite number >= 0, got ${k}`);
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`rrf limit must be an integer >= 0, got ${limit}`);
  const fused = new Map<string, { item: T; score: number; order: number }>();
  let order = 0;
  for (const list of lists) {
    const seen = new Set<string>();
    list.forEach((item, index) => {
      const id = options.key(item);
      // A list that repeats an item counts it once, at its best rank.
      if (seen.has(id)) return;
      seen.add(id);
      const contribution = 1 / (k + index + 1);
      const entry = fused.get(id);
      if (entry) entry.score += contribution;
      else fused.set(id, { item, score: contribution, order: order++ });
    });
  }
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .slice(0, limit)
    .map(({ item, score }) => ({ item, score }));
}
