import type { Qrels } from './beir';

/**
 * Retrieval metrics with trec_eval's definitions, as BEIR reports them (BEIR uses pytrec_eval).
 * Documents with grade <= 0 count as not relevant.
 */

/** nDCG@k: gain = grade, discount = log2(rank + 1), ideal DCG from the judged grades. */
export function ndcgAt(ranking: readonly string[], judged: ReadonlyMap<string, number>, k: number): number {
  let dcg = 0;
  ranking.slice(0, k).forEach((doc, i) => {
    const grade = judged.get(doc) ?? 0;
    if (grade > 0) dcg += grade / Math.log2(i + 2);
  });
  const ideal = [...judged.values()]
    .filter((g) => g > 0)
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((sum, grade, i) => sum + grade / Math.log2(i + 2), 0);
  return ideal === 0 ? 0 : dcg / ideal;
}

/** Recall@k: share of the relevant documents found in the top k. */
export function recallAt(ranking: readonly string[], judged: ReadonlyMap<string, number>, k: number): number {
  const relevant = [...judged].filter(([, g]) => g > 0).map(([d]) => d);
  if (relevant.length === 0) return 0;
  const top = new Set(ranking.slice(0, k));
  return relevant.filter((d) => top.has(d)).length / relevant.length;
}

/** MRR@k: 1 / rank of the first relevant document in the top k, else 0. */
export function mrrAt(ranking: readonly string[], judged: ReadonlyMap<string, number>, k: number): number {
  const index = ranking.slice(0, k).findIndex((d) => (judged.get(d) ?? 0) > 0);
  return index < 0 ? 0 : 1 / (index + 1);
}

export interface RetrievalScores {
  readonly ndcg10: number;
  readonly recall100: number;
  readonly mrr10: number;
  readonly queries: number;
}

/** Means over the judged queries (a query with no ranking scores 0, as in trec_eval -c). */
export function evaluateRuns(runs: ReadonlyMap<string, readonly string[]>, qrels: Qrels): RetrievalScores {
  let ndcg = 0;
  let recall = 0;
  let mrr = 0;
  for (const [queryId, judged] of qrels) {
    const ranking = runs.get(queryId) ?? [];
    ndcg += ndcgAt(ranking, judged, 10);
    recall += recallAt(ranking, judged, 100);
    mrr += mrrAt(ranking, judged, 10);
  }
  const n = qrels.size;
  return { ndcg10: ndcg / n, recall100: recall / n, mrr10: mrr / n, queries: n };
}

/** The p-th percentile (nearest rank) of a sample. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}
