import type { Embedding } from '../model/vectors';
import type { EmbedKind, Embedder, EmbedderInfo } from '../ports/embedder.port';

export interface CachedEmbedderOptions {
  /** Maximum number of cached query embeddings (default 1000). */
  readonly size?: number;
  /** Observer for each query text looked up (for a hit-ratio metric). Must not throw; errors are swallowed. */
  readonly onLookup?: (outcome: 'hit' | 'miss') => void;
}

/**
 * An LRU cache in front of an embedder, for QUERY embeddings only: users repeat and rephrase
 * questions, and a query embedding is on the critical path of every answer. Document embeddings
 * pass straight through (each chunk is embedded once, so caching them would only evict queries).
 * A Map keeps insertion order, which is all an LRU needs: re-insert on hit, evict the first key.
 */
export function createCachedEmbedder(embedder: Embedder, options: CachedEmbedderOptions = {}): Embedder & { readonly cacheSize: () => number } {
  const size = options.size ?? 1000;
  if (!Number.isInteger(size) || size < 0) throw new RangeError(`cache size must be an integer >= 0, got ${size}`);
  const cache = new Map<string, Embedding>();
  const report = (outcome: 'hit' | 'miss') => {
    try {
      options.onLookup?.(outcome);
    } catch {
      // Observability never breaks a query.
    }
  };
  const remember = (text: string, embedding: Embedding) => {
    if (size === 0) return;
    cache.delete(text);
    cache.set(text, embedding);
    if (cache.size > size) cache.delete(cache.keys().next().value as string);
  };

  return {
    cacheSize: () => cache.size,
    describe: (signal?: AbortSignal): Promise<EmbedderInfo> => embedder.describe(signal),
    async embed(texts: readonly string[], opts: { kind: EmbedKind; signal?: AbortSignal }): Promise<Embedding[]> {
      if (opts.kind !== 'query') return embedder.embed(texts, opts);
      const result: (Embedding | undefined)[] = texts.map((text) => {
        const hit = cache.get(text);
        report(hit ? 'hit' : 'miss');
        if (hit) remember(text, hit);
        return hit;
      });
      const missing = [...new Set(texts.filter((_, i) => result[i] === undefined))];
      if (missing.length > 0) {
        const fresh = await embedder.embed(missing, opts);
        if (fresh.length !== missing.length) throw new Error(`embedder returned ${fresh.length} embeddings for ${missing.length} texts`);
        const byText = new Map<string, Embedding>();
        fresh.forEach((embedding, i) => byText.set(missing[i] ?? '', embedding));
        texts.forEach((text, i) => {
          if (result[i] === undefined) result[i] = byText.get(text);
        });
        for (const [text, embedding] of byText) remember(text, embedding);
      }
      return result as Embedding[];
    },
  };
}
