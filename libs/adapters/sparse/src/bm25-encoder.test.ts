import { describe, expect, it } from 'vitest';
import { createBm25SparseEncoder } from './bm25-encoder';
import { termId } from './hash';
import { createSparseEmbedder } from './sparse-embedder';

function isStrictlyAscending(values: readonly number[]): boolean {
  return values.every((v, i) => i === 0 || v > values[i - 1]!);
}

describe('createBm25SparseEncoder', () => {
  const encoder = createBm25SparseEncoder();

  it('names the vector space after language and version', () => {
    expect(encoder.name).toBe('bm25-english-v1');
    expect(createBm25SparseEncoder({ k1: 0.9, b: 0.4 }).name).toBe('bm25-english-v1-k0.9-b0.4-l100');
  });

  it('gives the same vector on every call and for every instance', () => {
    const text = 'Vitamin B12 deficiency increases homocysteine; vitamin supplements lower it.';
    const a = encoder.encodeDocument(text);
    expect(encoder.encodeDocument(text)).toEqual(a);
    expect(createBm25SparseEncoder().encodeDocument(text)).toEqual(a);
  });

  it('uses the hashed stem as the index (known ids)', () => {
    const q = encoder.encodeQuery('Vitamins');
    expect(q.indices).toEqual([termId('vitamin')]);
    expect(q.values).toEqual([1]);
  });

  it('produces strictly ascending unique indices with matching values', () => {
    const v = encoder.encodeDocument('zeta alpha beta gamma alpha delta epsilon alpha omega zeta');
    expect(isStrictlyAscending(v.indices)).toBe(true);
    expect(v.values).toHaveLength(v.indices.length);
  });

  it('saturates term frequency with BM25 k1 and normalises by length', () => {
    // 100 terms = the default average length, so the norm factor is k1 exactly.
    const filler = Array.from({ length: 99 }, (_, i) => `w${i}`).join(' ');
    const once = encoder.encodeDocument(`cell ${filler}`);
    const id = termId('cell');
    const weight = once.values[once.indices.indexOf(id)]!;
    expect(weight).toBeCloseTo((1 * 2.2) / (1 + 1.2), 10);

    const short = encoder.encodeDocument('cell');
    const shortWeight = short.values[0]!;
    expect(shortWeight).toBeCloseTo(2.2 / (1 + 1.2 * (0.25 + 0.75 / 100)), 10);
    expect(shortWeight).toBeGreaterThan(weight);

    const thrice = encoder.encodeDocument('cell cell cell');
    expect(thrice.values[0]!).toBeGreaterThan(shortWeight);
    expect(thrice.values[0]!).toBeLessThan(2.2);
  });

  it('gives query terms unit weight, once per distinct term', () => {
    const q = encoder.encodeQuery('cells cell CELL membrane');
    expect(q.values).toEqual([1, 1]);
    expect([...q.indices].sort((a, b) => a - b)).toEqual([termId('cell'), termId('membran')].sort((a, b) => a - b));
  });

  it('returns an empty vector for stop words only or empty text', () => {
    expect(encoder.encodeQuery('the of and')).toEqual({ indices: [], values: [] });
    expect(encoder.encodeDocument('')).toEqual({ indices: [], values: [] });
  });

  it('adds adjacent term pairs only when bigramWeight is set', () => {
    const pairs = createBm25SparseEncoder({ bigramWeight: 0.1 });
    expect(pairs.name).toBe('bm25-english-v1-pairs');
    const q = pairs.encodeQuery('vitamin deficiency');
    const pairId = termId('vitamin defici');
    expect(q.values[q.indices.indexOf(pairId)]).toBeCloseTo(0.1, 12);
    expect(pairs.encodeDocument('vitamin deficiency').indices).toContain(pairId);
    expect(encoder.encodeDocument('vitamin deficiency').indices).not.toContain(pairId);
    expect(() => createBm25SparseEncoder({ bigramWeight: -1 })).toThrow(/bigramWeight must be >= 0/);
  });

  it('rejects nonsensical parameters with the parameter named', () => {
    expect(() => createBm25SparseEncoder({ b: 2 })).toThrow(/BM25 b must be within 0..1/);
    expect(() => createBm25SparseEncoder({ k1: 0 })).toThrow(/BM25 k1 must be > 0/);
    expect(() => createBm25SparseEncoder({ language: 'xx' })).toThrow(/unknown stemmer language/);
  });
});

describe('createSparseEmbedder', () => {
  const encoder = createBm25SparseEncoder();
  const embedder = createSparseEmbedder(encoder);

  it('describes a sparse-only model (no dimension)', async () => {
    const info = await embedder.describe();
    expect(info).toEqual({ sparseModel: 'bm25-english-v1' });
    expect(info.dimension).toBeUndefined();
  });

  it('encodes per kind and keeps input order, without dense vectors', async () => {
    const [doc, other] = await embedder.embed(['cell cell wall', 'protein'], { kind: 'document' });
    expect(doc).toEqual({ sparse: encoder.encodeDocument('cell cell wall') });
    expect(other!.dense).toBeUndefined();
    const [query] = await embedder.embed(['cell cell wall'], { kind: 'query' });
    expect(query!.sparse.values).toEqual([1, 1]);
  });

  it('honours an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(embedder.embed(['x'], { kind: 'query', signal: controller.signal })).rejects.toMatchObject({ detail: { code: 'cancelled' } });
  });
});
