/**
 * The full VectorStore contract against a real Qdrant. Needs QDRANT_URL (and QDRANT_API_KEY if the
 * server wants one); without it the suite is skipped with the reason in its name:
 *
 *   docker run -p 6333:6333 qdrant/qdrant
 *   QDRANT_URL=http://127.0.0.1:6333 npx nx run qdrant:test-int
 *
 * Every store gets its own collection prefix, and its collections are dropped afterwards.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { OwnerId } from '@docrag/domain';
import type { VectorStore } from '@docrag/domain';
import { hashedSparse, makeFixtureFile, runVectorStoreContract } from '@docrag/testing';
import { versionedNames } from './collections';
import { createQdrantApi } from './qdrant-api';
import { createQdrantVectorStore } from './qdrant-vector-store';
import type { QdrantVectorStore } from './qdrant-vector-store';

const url = process.env['QDRANT_URL'];
const apiKey = process.env['QDRANT_API_KEY'];
const skip = url ? false : 'QDRANT_URL is not set (see docs/qdrant.md)';
const runId = `it${Date.now().toString(36)}`;
let n = 0;
const prefixes: string[] = [];

function open(): QdrantVectorStore {
  const prefix = `${runId}_${++n}_`;
  prefixes.push(prefix);
  return createQdrantVectorStore({ url: url ?? 'http://127.0.0.1:6333', ...(apiKey ? { apiKey } : {}), collectionPrefix: prefix, timeoutMs: 30_000 });
}

afterAll(async () => {
  if (!url) return;
  const api = createQdrantApi({ url, ...(apiKey ? { apiKey } : {}) });
  const mine = (await api.listCollections()).filter((c) => prefixes.some((p) => c.startsWith(p)));
  for (const name of mine) await api.deleteCollection(name);
});

runVectorStoreContract('QdrantVectorStore (real server)', open, { skip });

describe.skipIf(!url)('Qdrant specifics (real server)', () => {
  it('swaps aliases atomically between versions and rolls back', async () => {
    const live = open();
    const prefix = prefixes.at(-1)!;
    await live.ensureReady({});
    const alice = OwnerId.user(7);
    const v1 = makeFixtureFile({ ownerId: alice, fileName: 'v1.md', parents: [['volcano lava']], dimension: 0 });
    await live.upsert({ chunks: v1.chunks, parents: v1.parents });
    const next = createQdrantVectorStore({ url: url!, ...(apiKey ? { apiKey } : {}), collectionPrefix: prefix, collections: versionedNames(2, prefix) });
    await next.ensureReady({});
    const v2 = makeFixtureFile({ ownerId: alice, fileName: 'v2.md', parents: [['volcano magma']], dimension: 0 });
    await next.upsert({ chunks: v2.chunks, parents: v2.parents });
    await live.admin.swapTo(2);
    expect((await live.query({ ownerId: alice, sparse: hashedSparse('volcano') })).map((h) => h.chunk.fileName)).toEqual(['v2.md']);
    await live.admin.rollback();
    expect((await live.query({ ownerId: alice, sparse: hashedSparse('volcano') })).map((h) => h.chunk.fileName)).toEqual(['v1.md']);
    const snapshots = await live.admin.snapshot();
    expect(snapshots).toHaveLength(2);
  });

  it('keeps owners apart', async () => {
    const store: VectorStore = open();
    await store.ensureReady({});
    const a = makeFixtureFile({ ownerId: OwnerId.user(1), fileName: 'a.md', parents: [['shared words here']], dimension: 0 });
    const b = makeFixtureFile({ ownerId: OwnerId.user(2), fileName: 'b.md', parents: [['shared words here']], dimension: 0 });
    await store.upsert({ chunks: [...a.chunks, ...b.chunks], parents: [...a.parents, ...b.parents] });
    const hits = await store.query({ ownerId: OwnerId.user(1), sparse: hashedSparse('shared words') });
    expect(hits.map((h) => h.chunk.ownerId)).toEqual([OwnerId.user(1)]);
  });
});
