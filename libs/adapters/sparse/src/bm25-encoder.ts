import type { SparseVector } from '@docrag/domain';
import { createAnalyzer } from './analyzer';
import { termId } from './hash';

/**
 * Turns text into sparse vectors whose dot product, with IDF applied by the store, is a BM25 score.
 * Implementations must be deterministic: the same text gives the same vector in every process.
 */
export interface SparseEncoder {
  /** Identifies the vector space (`bm25-english-v1`): a store must never mix two encoders. */
  readonly name: string;
  /** Document side: BM25 term-frequency saturation and length normalisation, no IDF. */
  encodeDocument(text: string): SparseVector;
  /** Query side: weight 1 per distinct term (IDF comes from the store). */
  encodeQuery(text: string): SparseVector;
}

export interface Bm25EncoderOptions {
  /** Snowball language name or ISO 639-1 code. Default `english`. */
  language?: string;
  /** Term-frequency saturation. Default 1.2 (Robertson & Zaragoza 2009, and Lucene's default). */
  k1?: number;
  /** Length normalisation strength, 0..1. Default 0.75 (same sources). */
  b?: number;
  /**
   * The "average document length" in index terms that length normalisation is relative to. BM25
   * normally takes it from the corpus, but a document's vector must not change when other documents
   * arrive (Qdrant stores it once), so it is a constant here. 100 terms is about the size of a child
   * chunk after stop-word removal (a 160-token chunk keeps ~60% of its words).
   */
  averageDocumentLength?: number;
  /**
   * Weight of adjacent-term pairs on the query side; 0 turns pairs off (documents then index none).
   * Pairs are a term-dependence model in the spirit of Metzler & Croft's SDM (SIGIR 2005), whose
   * ordered-window component is weighted 0.1 against 0.85 for single terms.
   */
  bigramWeight?: number;
}

export const BM25_DEFAULTS = { language: 'english', k1: 1.2, b: 0.75, averageDocumentLength: 100, bigramWeight: 0 } as const;

/** Builds the sorted, de-duplicated vector from per-id weights. */
function toSparse(weights: Map<number, number>): SparseVector {
  const entries = [...weights].sort((x, y) => x[0] - y[0]);
  return { indices: entries.map(([id]) => id), values: entries.map(([, weight]) => weight) };
}

/**
 * The weightless BM25 sparse encoder used everywhere no learned sparse model is loaded.
 *
 * Document weight of term t: `tf·(k1+1) / (tf + k1·(1 − b + b·dl/avgdl))`; query weight: 1. With
 * Qdrant's `modifier: idf` (idf = ln(1 + (N − n + 0.5)/(n + 0.5))) the dot product is exactly
 * Okapi BM25 with that idf, and the embedded store applies the same formula.
 *
 * @example
 * const encoder = createBm25SparseEncoder({ language: 'en' });
 * encoder.encodeQuery('Vitamin B12 deficiency'); // { indices: [...], values: [1, 1, 1] }
 */
export function createBm25SparseEncoder(options: Bm25EncoderOptions = {}): SparseEncoder {
  const k1 = options.k1 ?? BM25_DEFAULTS.k1;
  const b = options.b ?? BM25_DEFAULTS.b;
  const avgdl = options.averageDocumentLength ?? BM25_DEFAULTS.averageDocumentLength;
  if (!(k1 > 0)) throw new Error(`BM25 k1 must be > 0, got ${k1}`);
  if (!(b >= 0 && b <= 1)) throw new Error(`BM25 b must be within 0..1, got ${b}`);
  if (!(avgdl > 0)) throw new Error(`BM25 averageDocumentLength must be > 0, got ${avgdl}`);
  const bigramWeight = options.bigramWeight ?? BM25_DEFAULTS.bigramWeight;
  if (!(bigramWeight >= 0)) throw new Error(`BM25 bigramWeight must be >= 0, got ${bigramWeight}`);
  const analyzer = createAnalyzer(options.language ?? BM25_DEFAULTS.language);
  // Terms never contain a space, so "a b" cannot collide with a single term by construction.
  const pairs = (terms: readonly string[]): string[] =>
    bigramWeight > 0 ? terms.slice(1).map((term, i) => `${terms[i] ?? ''} ${term}`) : [];

  const isDefault = k1 === BM25_DEFAULTS.k1 && b === BM25_DEFAULTS.b && avgdl === BM25_DEFAULTS.averageDocumentLength;
  const name = `bm25-${analyzer.language}-v1${isDefault ? '' : `-k${k1}-b${b}-l${avgdl}`}${bigramWeight > 0 ? '-pairs' : ''}`;

  return {
    name,
    encodeDocument(text: string): SparseVector {
      const terms = analyzer.terms(text);
      const tf = new Map<number, number>();
      for (const term of [...terms, ...pairs(terms)]) {
        const id = termId(term);
        tf.set(id, (tf.get(id) ?? 0) + 1);
      }
      const norm = k1 * (1 - b + (b * terms.length) / avgdl);
      const weights = new Map<number, number>();
      for (const [id, f] of tf) weights.set(id, (f * (k1 + 1)) / (f + norm));
      return toSparse(weights);
    },
    encodeQuery(text: string): SparseVector {
      const weights = new Map<number, number>();
      // Distinct terms weigh 1; two terms whose hashes collide share a dimension and sum to 2.
      const terms = analyzer.terms(text);
      for (const term of new Set(terms)) {
        const id = termId(term);
        weights.set(id, (weights.get(id) ?? 0) + 1);
      }
      for (const pair of new Set(pairs(terms))) {
        const id = termId(pair);
        weights.set(id, (weights.get(id) ?? 0) + bigramWeight);
      }
      return toSparse(weights);
    },
  };
}
