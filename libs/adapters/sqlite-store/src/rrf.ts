/**
 * Reciprocal rank fusion (Cormack et al., SIGIR 2009), k = 60.
 * Local copy of the domain's `reciprocalRankFusion` until @docrag/domain exports it; to be replaced
 * by the import so both stores fuse with one implementation.
 */
export function fuseRanks(lists: readonly (readonly number[])[], limit: number, k = 60): { key: number; score: number }[] {
  const fused = new Map<number, { score: number; order: number }>();
  let order = 0;
  for (const list of lists) {
    const seen = new Set<number>();
    list.forEach((key, index) => {
      if (seen.has(key)) return;
      seen.add(key);
      const entry = fused.get(key);
      if (entry) entry.score += 1 / (k + index + 1);
      else fused.set(key, { score: 1 / (k + index + 1), order: order++ });
    });
  }
  return [...fused]
    .sort((a, b) => b[1].score - a[1].score || a[1].order - b[1].order)
    .slice(0, limit)
    .map(([key, { score }]) => ({ key, score }));
}
