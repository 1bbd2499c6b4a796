import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OwnerId, isRagErrorCode } from '@docrag/domain';
import { encoder, makeFile, tempDir } from '../test/helpers';
import { createSqliteStore } from './create-sqlite-store';
import type { SqliteStore } from './create-sqlite-store';
import { bm25Idf } from './sqlite-vector-store';

const alice = OwnerId.user(1);
const bob = OwnerId.user(2);

const corpus = [
  'Vitamin B12 deficiency raises homocysteine levels in blood.',
  'Aspirin lowers the risk of heart attack in older adults.',
  'Homocysteine is an amino acid linked to cardiovascular disease.',
  'Regular exercise improves insulin sensitivity.',
];

describe('SqliteVectorStore', () => {
  const open: SqliteStore[] = [];
  const dirs: (() => void)[] = [];
  const newStore = (file = ':memory:', sparseModel?: string) => {
    const store = createSqliteStore({ path: file, ...(sparseModel ? { sparseModel } : {}) });
    open.push(store);
    return store;
  };
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    for (const d of dirs.splice(0)) d();
  });

  it('ranks by BM25 with store-wide IDF, exactly as computed by hand', async () => {
    const { vectorStore } = newStore();
    await vectorStore.ensureReady({});
    // A seeded pseudo-random corpus over a small vocabulary gives many partial matches and
    // varied lengths, so both term saturation and IDF decide the order.
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const vocabulary = Array.from({ length: 60 }, (_, i) => `term${String.fromCharCode(97 + (i % 26))}${Math.floor(i / 26)}x`);
    const texts = Array.from({ length: 300 }, () =>
      Array.from({ length: 3 + Math.floor(random() * 40) }, () => vocabulary[Math.floor(random() ** 2 * vocabulary.length)]).join(' '),
    );
    await vectorStore.upsert(makeFile(alice, 'a', texts.slice(0, 200)));
    // Another owner's documents count in the IDF statistics (as in a Qdrant collection).
    await vectorStore.upsert(makeFile(bob, 'b', texts.slice(200)));
    const docs = texts.map((t) => encoder.encodeDocument(t));
    const df = (term: number) => docs.filter((d) => d.indices.includes(term)).length;
    for (const q of ['terma0x termb1x termz1x', 'termc0x', 'termh2x termh2x termd0x terma0x']) {
      const query = encoder.encodeQuery(q);
      const byHand = docs.slice(0, 200).map((doc, index) => ({
        index,
        score: query.indices.reduce((sum, term, i) => {
          const at = doc.indices.indexOf(term);
          return at < 0 ? sum : sum + query.values[i]! * bm25Idf(texts.length, df(term)) * doc.values[at]!;
        }, 0),
      }));
      const expected = byHand.filter((h) => h.score > 0);
      const hits = await vectorStore.query({ ownerId: alice, sparse: query, limit: 300 });
      expect(hits.length).toBe(expected.length);
      const scores = hits.map((h) => byHand[h.chunk.index]!.score);
      scores.forEach((score, i) => i > 0 && expect(score).toBeLessThanOrEqual(scores[i - 1]! + 1e-5));
      const best = Math.max(...expected.map((h) => h.score));
      // Posting weights are stored as float32 (as Qdrant stores sparse values), hence 1e-6.
      expect(scores[0]).toBeCloseTo(best, 5);
    }
    // Sparse-only results carry the RRF score of their rank (one list), like the other stores.
    const [top] = await vectorStore.query({ ownerId: alice, sparse: encoder.encodeQuery('termc0x') });
    expect(top!.score).toBeCloseTo(1 / 61, 12);
  });

  it('returns full chunks with their location', async () => {
    const { vectorStore } = newStore();
    await vectorStore.ensureReady({});
    const file = makeFile(alice, 'a', corpus);
    await vectorStore.upsert(file);
    const [hit] = await vectorStore.query({ ownerId: alice, sparse: encoder.encodeQuery('aspirin') });
    expect(hit!.chunk).toEqual(file.chunks[1]!.chunk);
  });

  it('never returns another owner’s chunks, whatever the query', async () => {
    const { vectorStore } = newStore();
    await vectorStore.ensureReady({ dimension: 3 });
    await vectorStore.upsert(makeFile(alice, 'a', corpus, () => [1, 0, 0]));
    await vectorStore.upsert(makeFile(bob, 'b', ['Bob secret homocysteine notes'], () => [1, 0, 0]));
    const hits = await vectorStore.query({ ownerId: alice, sparse: encoder.encodeQuery('bob secret homocysteine'), dense: [1, 0, 0], limit: 100 });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.chunk.ownerId === alice)).toBe(true);
    const bobFile = makeFile(bob, 'b', ['x']).fileId;
    expect(await vectorStore.query({ ownerId: alice, sparse: encoder.encodeQuery('secret'), fileIds: [bobFile] })).toEqual([]);
    expect(await vectorStore.getParents(alice, [makeFile(bob, 'b', ['x']).parents[0]!.id])).toEqual([]);
    expect(await vectorStore.getFileParents(alice, bobFile)).toEqual([]);
    expect(await vectorStore.deleteFile(alice, bobFile)).toBe(0);
    expect((await vectorStore.stats(bob)).chunks).toBe(1);
    expect(await vectorStore.query({ ownerId: OwnerId.user(3), sparse: encoder.encodeQuery('secret') })).toEqual([]);
  });

  it('fuses dense cosine and sparse rankings by RRF', async () => {
    const { vectorStore } = newStore();
    await vectorStore.ensureReady({ dimension: 2 });
    // Dense prefers chunk 3, sparse prefers chunk 1: the chunk both lists contain wins the fusion.
    const vectors = [[0, 1], [0.2, 1], [1, 0.3], [1, 0]];
    await vectorStore.upsert(makeFile(alice, 'a', corpus, (_t, i) => vectors[i]!));
    const hits = await vectorStore.query({ ownerId: alice, sparse: encoder.encodeQuery('aspirin heart'), dense: [1, 0], limit: 4 });
    expect(hits[0]!.chunk.index).toBe(1);
    expect(hits[0]!.score).toBeCloseTo(1 / 61 + 1 / 63, 12);
    expect(hits.map((h) => h.chunk.index)).toContain(3);
    const denseOnly = await vectorStore.query({ ownerId: alice, sparse: { indices: [], values: [] }, dense: [1, 0], limit: 4 });
    expect(denseOnly.map((h) => h.chunk.index)).toEqual([3, 2, 1, 0]);
  });

  it('restricts to the given files, for sparse and dense alike', async () => {
    const { vectorStore } = newStore();
    await vectorStore.ensureReady({ dimension: 2 });
    const a = makeFile(alice, 'a', corpus, () => [1, 0]);
    const b = makeFile(alice, 'b', ['homocysteine and aspirin again'], () => [1, 0]);
    await vectorStore.upsert(a);
    await vectorStore.upsert(b);
    const hits = await vectorStore.query({ ownerId: alice, sparse: encoder.encodeQuery('homocysteine'), dense: [1, 0], fileIds: [b.fileId] });
    expect(hits.map((h) => h.chunk.fileId)).toEqual([b.fileId]);
  });

  it('upserts idempotently and keeps IDF statistics exact across rewrites and deletes', async () => {
    const { vectorStore, db } = newStore();
    await vectorStore.ensureReady({});
    const file = makeFile(alice, 'a', corpus);
    await vectorStore.upsert(file);
    await vectorStore.upsert(file);
    expect((await vectorStore.stats()).chunks).toBe(4);
    const dfAfterTwice = db.prepare('SELECT SUM(df) AS n FROM term_df').get() as { n: number };
    const postings = db.prepare('SELECT SUM(count) AS n FROM posting_blocks').get() as { n: number };
    expect(dfAfterTwice.n).toBe(postings.n);
    expect(postings.n).toBe(file.chunks.reduce((sum, c) => sum + c.embedding.sparse.indices.length, 0));
    expect(await vectorStore.deleteFile(alice, file.fileId)).toBe(4);
    expect(db.prepare('SELECT COUNT(*) AS n FROM term_df').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM posting_blocks').get()).toEqual({ n: 0 });
    expect(await vectorStore.getFileParents(alice, file.fileId)).toEqual([]);
    expect(await vectorStore.listFiles(alice)).toEqual([]);
  });

  it('lists files, parents in order, and per-owner stats', async () => {
    const { vectorStore } = newStore();
    await vectorStore.ensureReady({});
    const file = makeFile(alice, 'a', corpus);
    await vectorStore.upsert({ chunks: file.chunks, parents: [...file.parents].reverse() });
    expect(await vectorStore.listFiles(alice)).toEqual([{ fileId: file.fileId, chunkCount: 4, parentCount: 4 }]);
    expect((await vectorStore.getFileParents(alice, file.fileId)).map((p) => p.index)).toEqual([0, 1, 2, 3]);
    expect(await vectorStore.getParents(alice, [file.parents[2]!.id, file.parents[0]!.id])).toEqual([file.parents[2], file.parents[0]]);
    const stats = await vectorStore.stats(alice);
    expect(stats).toMatchObject({ chunks: 4, parents: 4, files: 1, details: { backend: 'sqlite' } });
  });

  it('refuses a mismatched dimension, a different encoder and malformed vectors', async () => {
    const { dir, cleanup } = tempDir();
    dirs.push(cleanup);
    const file = path.join(dir, 'db.sqlite');
    const first = newStore(file, 'bm25-english-v1');
    await first.vectorStore.ensureReady({ dimension: 3 });
    await expect(first.vectorStore.ensureReady({ dimension: 4 })).rejects.toThrow(/store has dimension 3, embedder has 4/);
    await expect(
      first.vectorStore.upsert({ chunks: makeFile(alice, 'a', ['x y'], () => [1, 2]).chunks, parents: [] }),
    ).rejects.toThrow(/2 dimensions, store has 3/);
    const unsorted = makeFile(alice, 'a', ['x']).chunks[0]!;
    const bad = { ...unsorted, embedding: { sparse: { indices: [5, 2], values: [1, 1] } } };
    const error = await first.vectorStore.upsert({ chunks: [bad], parents: [] }).catch((e: unknown) => e);
    expect(isRagErrorCode(error, 'invalid_input')).toBe(true);
    await first.close();

    const second = newStore(file, 'bm25-russian-v1');
    await expect(second.vectorStore.ensureReady({ dimension: 3 })).rejects.toThrow(/indexed with sparse encoder bm25-english-v1/);
  });

  it('persists across reopening the file', async () => {
    const { dir, cleanup } = tempDir();
    dirs.push(cleanup);
    const file = path.join(dir, 'nested', 'db.sqlite');
    const first = newStore(file);
    await first.vectorStore.ensureReady({ dimension: 2 });
    await first.vectorStore.upsert(makeFile(alice, 'a', corpus, () => [1, 0]));
    await first.close();
    const second = newStore(file);
    await second.vectorStore.ensureReady({ dimension: 2 });
    const hits = await second.vectorStore.query({ ownerId: alice, sparse: encoder.encodeQuery('aspirin'), dense: [1, 0] });
    expect(hits[0]!.chunk.index).toBe(1);
    expect((await second.vectorStore.stats()).dimension).toBe(2);
  });

  it('maps cancellation and bad limits to RagError', async () => {
    const { vectorStore } = newStore();
    await vectorStore.ensureReady({});
    const controller = new AbortController();
    controller.abort();
    await expect(vectorStore.query({ ownerId: alice, sparse: encoder.encodeQuery('x'), signal: controller.signal })).rejects.toMatchObject({
      detail: { code: 'cancelled' },
    });
    await expect(vectorStore.query({ ownerId: alice, sparse: encoder.encodeQuery('x'), limit: 0 })).rejects.toThrow(/limit must be a positive integer/);
  });
});
