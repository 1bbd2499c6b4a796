import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OwnerId, RagError } from '@docrag/domain';
import { FakeEmbedder, hashedDense, hashedSparse, makeFixtureFile, runVectorStoreContract } from '@docrag/testing';
import { FakeQdrantServer } from '../test/fake-qdrant-server';
import { versionedNames } from './collections';
import { pointId, uuidV5 } from './point-ids';
import { createQdrantApi } from './qdrant-api';
import type { QdrantConnectionOptions } from './qdrant-api';
import { buildHybridQuery, createQdrantVectorStore } from './qdrant-vector-store';
import type { QdrantVectorStore, QdrantVectorStoreOptions } from './qdrant-vector-store';

const server = new FakeQdrantServer();
beforeAll(() => server.start());
afterAll(() => server.stop());

let prefixes = 0;
const noSleep = async (_ms: number): Promise<void> => undefined;
function store(options: Partial<QdrantConnectionOptions & QdrantVectorStoreOptions> = {}): QdrantVectorStore {
  return createQdrantVectorStore({ url: server.url, collectionPrefix: `t${++prefixes}_`, sleep: noSleep, ...options });
}

const alice = OwnerId.user(1);
const bob = OwnerId.user(2);

runVectorStoreContract('QdrantVectorStore against the fake Qdrant server', () => store());

describe('bootstrap request shapes', () => {
  it('creates versioned collections with named vectors, tenant index and aliases, once', async () => {
    const s = store({ settings: { shardNumber: 3, replicationFactor: 2, writeConsistencyFactor: 2 } });
    const prefix = `t${prefixes}_`;
    const before = server.requests.length;
    await s.ensureReady({ dimension: 16 });
    const created = server.requests.slice(before).filter((r) => r.method === 'PUT' && /^\/collections\/[^/]+$/.test(r.path));
    expect(created.map((r) => [r.path, r.body])).toEqual([
      [
        `/collections/${prefix}chunks_v1`,
        {
          vectors: { dense: { size: 16, distance: 'Cosine' } },
          sparse_vectors: { sparse: { modifier: 'idf' } },
          shard_number: 3,
          replication_factor: 2,
          write_consistency_factor: 2,
        },
      ],
      [`/collections/${prefix}parents_v1`, { vectors: {}, shard_number: 3, replication_factor: 2, write_consistency_factor: 2 }],
    ]);
    const indexes = server.requests.slice(before).filter((r) => r.path.endsWith('/index'));
    expect(indexes.map((r) => [r.path, r.body])).toEqual([
      [`/collections/${prefix}chunks_v1/index`, { field_name: 'owner_id', field_schema: { type: 'keyword', is_tenant: true } }],
      [`/collections/${prefix}chunks_v1/index`, { field_name: 'file_id', field_schema: 'keyword' }],
      [`/collections/${prefix}parents_v1/index`, { field_name: 'owner_id', field_schema: { type: 'keyword', is_tenant: true } }],
      [`/collections/${prefix}parents_v1/index`, { field_name: 'file_id', field_schema: 'keyword' }],
    ]);
    expect(indexes.every((r) => r.query['wait'] === 'true')).toBe(true);
    expect(server.requestsTo('/collections/aliases', 'POST').at(-1)?.body).toEqual({
      actions: [
        { create_alias: { collection_name: `${prefix}chunks_v1`, alias_name: `${prefix}chunks` } },
        { create_alias: { collection_name: `${prefix}parents_v1`, alias_name: `${prefix}parents` } },
      ],
    });

    const again = server.requests.length;
    await createQdrantVectorStore({ url: server.url, collectionPrefix: prefix }).ensureReady({ dimension: 16 });
    const second = server.requests.slice(again);
    expect(second.some((r) => r.method === 'PUT' && /^\/collections\/[^/]+$/.test(r.path))).toBe(false);
    expect(second.some((r) => r.path === '/collections/aliases')).toBe(false);
  });

  it('creates a sparse-only chunks collection when no dense model is loaded', async () => {
    const s = store();
    await s.ensureReady({});
    const body = server.requestsTo(`/collections/t${prefixes}_chunks_v1`, 'PUT').find((r) => !r.path.endsWith('/index'))?.body;
    expect(body).toEqual({ vectors: {}, sparse_vectors: { sparse: { modifier: 'idf' } } });
  });

  it('refuses to open live collections whose dense size differs from the embedder', async () => {
    const s = store();
    await s.ensureReady({ dimension: 16 });
    const other = createQdrantVectorStore({ url: server.url, collectionPrefix: `t${prefixes}_` });
    await expect(other.ensureReady({ dimension: 32 })).rejects.toMatchObject({
      detail: { code: 'invalid_input', reason: expect.stringContaining('has 16 dense dimensions but the embedder has 32') },
    });
  });

  it('treats "already exists" from a concurrent bootstrap as success', async () => {
    const api = createQdrantApi({ url: server.url });
    await api.createCollection('race_chunks', { sparse: true });
    await expect(api.createCollection('race_chunks', { sparse: true })).resolves.toBeUndefined();
  });
});

describe('writes and queries', () => {
  it('upserts parents then chunks with UUID v5 ids, named vectors and the payload, waiting for the write', async () => {
    const s = store();
    await s.ensureReady({ dimension: 16 });
    const f = makeFixtureFile({ ownerId: alice, fileName: 'a.md', parents: [['alpha beta', 'gamma delta']] });
    const before = server.requests.length;
    await s.upsert({ chunks: f.chunks, parents: f.parents });
    const writes = server.requests.slice(before).filter((r) => r.method === 'PUT');
    expect(writes.map((r) => r.path)).toEqual([`/collections/t${prefixes}_parents/points`, `/collections/t${prefixes}_chunks/points`]);
    expect(writes.every((r) => r.query['wait'] === 'true')).toBe(true);
    const point = (writes[1]!.body as { points: Array<Record<string, unknown>> }).points[0]!;
    expect(point).toEqual({
      id: pointId(f.chunks[0]!.chunk.id),
      vector: { dense: f.chunks[0]!.embedding.dense, sparse: f.chunks[0]!.embedding.sparse },
      payload: {
        owner_id: alice,
        file_id: f.fileId,
        parent_id: f.parents[0]!.id,
        chunk_id: f.chunks[0]!.chunk.id,
        file_name: 'a.md',
        index: 0,
        text: 'alpha beta',
        token_count: 2,
        heading_path: ['a.md'],
        page_start: 1,
        page_end: 1,
      },
    });
    expect((writes[0]!.body as { points: Array<Record<string, unknown>> }).points[0]!['vector']).toEqual({});
  });

  it('splits large upserts into batches', async () => {
    const s = store({ upsertBatchSize: 3 });
    await s.ensureReady({ dimension: 16 });
    const f = makeFixtureFile({ ownerId: alice, fileName: 'a.md', parents: [['a1', 'a2', 'a3', 'a4'], ['b1', 'b2', 'b3']] });
    const before = server.requests.length;
    await s.upsert({ chunks: f.chunks, parents: f.parents });
    const sizes = server.requests.slice(before).filter((r) => r.method === 'PUT').map((r) => (r.body as { points: unknown[] }).points.length);
    expect(sizes).toEqual([2, 3, 3, 1]);
  });

  it('sends one hybrid Query API request: dense + sparse prefetch, owner filter everywhere, RRF k=60', async () => {
    const s = store();
    await s.ensureReady({ dimension: 16 });
    await s.query({ ownerId: alice, dense: hashedDense('volcano', 16), sparse: hashedSparse('volcano'), limit: 5, fileIds: [] });
    const before = server.requests.length;
    await s.query({ ownerId: alice, dense: hashedDense('volcano', 16), sparse: hashedSparse('volcano'), limit: 5 });
    const sent = server.requests.slice(before);
    expect(sent).toHaveLength(1);
    const filter = { must: [{ key: 'owner_id', match: { value: alice } }] };
    expect(sent[0]).toMatchObject({ method: 'POST', path: `/collections/t${prefixes}_chunks/points/query` });
    expect(sent[0]!.body).toEqual({
      prefetch: [
        { query: hashedDense('volcano', 16), using: 'dense', limit: 100, filter },
        { query: hashedSparse('volcano'), using: 'sparse', limit: 100, filter },
      ],
      query: { rrf: { k: 60 } },
      filter,
      limit: 5,
      with_payload: true,
    });
  });

  it('queries sparse only when the store has no dense vectors, and narrows to files', async () => {
    const s = store();
    await s.ensureReady({});
    const before = server.requests.length;
    const f = makeFixtureFile({ ownerId: alice, fileName: 'a.md', parents: [['x']] });
    await s.query({ ownerId: alice, dense: hashedDense('x', 16), sparse: hashedSparse('x'), fileIds: [f.fileId] });
    expect(server.requests.slice(before)[0]!.body).toEqual({
      query: hashedSparse('x'),
      using: 'sparse',
      filter: { must: [{ key: 'owner_id', match: { value: alice } }, { key: 'file_id', match: { any: [f.fileId] } }] },
      limit: 30,
      with_payload: true,
    });
  });

  it('drops any hit of another owner even if the server returned one', async () => {
    const s = store();
    await s.ensureReady({});
    const f = makeFixtureFile({ ownerId: bob, fileName: 'b.md', parents: [['secret plans']], dimension: 0 });
    await s.upsert({ chunks: f.chunks, parents: f.parents });
    server.inject({
      status: 200,
      pathIncludes: '/points/query',
      body: { result: { points: [{ id: pointId(f.chunks[0]!.chunk.id), score: 1, payload: { ...f.chunks[0]!.chunk, owner_id: bob, chunk_id: f.chunks[0]!.chunk.id, parent_id: f.parents[0]!.id, file_id: f.fileId, file_name: 'b.md', token_count: 2, heading_path: [] } }] }, status: 'ok', time: 0 },
    });
    expect(await s.query({ ownerId: alice, sparse: hashedSparse('secret plans') })).toEqual([]);
  });
});

describe('buildHybridQuery', () => {
  const base = { ownerId: alice, sparse: { indices: [1, 5], values: [1, 2] } };
  it('uses {fusion: rrf} for servers older than 1.16 and raises the prefetch to the limit', () => {
    const request = buildHybridQuery({ ...base, dense: [0.1, 0.2], limit: 300 }, { dense: true, prefetchLimit: 100, rrfK: 'server-default' });
    expect(request?.query).toEqual({ fusion: 'rrf' });
    expect(request?.prefetch?.map((p) => p.limit)).toEqual([300, 300]);
  });
  it('falls back to dense only for an empty sparse query, and to nothing for an empty query', () => {
    expect(buildHybridQuery({ ...base, sparse: { indices: [], values: [] }, dense: [1] }, { dense: true, prefetchLimit: 100, rrfK: 60 })).toMatchObject({ using: 'dense' });
    expect(buildHybridQuery({ ...base, sparse: { indices: [], values: [] } }, { dense: true, prefetchLimit: 100, rrfK: 60 })).toBeUndefined();
  });
});

describe('point ids', () => {
  it('implements RFC 9562 UUID v5 (DNS namespace test vector)', () => {
    const dns = Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex');
    expect(uuidV5('www.example.com', dns)).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
  it('is deterministic and distinct per id', () => {
    expect(pointId('user:1/abc#c0')).toBe(pointId('user:1/abc#c0'));
    expect(pointId('user:1/abc#c0')).not.toBe(pointId('user:1/abc#c1'));
  });
});

describe('reindexing behind aliases', () => {
  it('fills v2 beside the live v1, swaps both aliases in one request, and rolls back', async () => {
    const live = store();
    const prefix = `t${prefixes}_`;
    await live.ensureReady({ dimension: 16 });
    const old = makeFixtureFile({ ownerId: alice, fileName: 'old.md', parents: [['volcano lava basalt']] });
    await live.upsert({ chunks: old.chunks, parents: old.parents });

    const next = createQdrantVectorStore({ url: server.url, collectionPrefix: prefix, collections: versionedNames(2, prefix) });
    await next.ensureReady({ dimension: 16 });
    const fresh = makeFixtureFile({ ownerId: alice, fileName: 'new.md', parents: [['volcano magma eruption']] });
    await next.upsert({ chunks: fresh.chunks, parents: fresh.parents });
    expect((await live.query({ ownerId: alice, sparse: hashedSparse('volcano') })).map((h) => h.chunk.fileName)).toEqual(['old.md']);

    const before = server.requests.length;
    await live.admin.swapTo(2);
    const swaps = server.requests.slice(before).filter((r) => r.path === '/collections/aliases');
    expect(swaps).toHaveLength(1);
    expect(swaps[0]!.body).toEqual({
      actions: [
        { delete_alias: { alias_name: `${prefix}chunks` } },
        { create_alias: { collection_name: `${prefix}chunks_v2`, alias_name: `${prefix}chunks` } },
        { delete_alias: { alias_name: `${prefix}parents` } },
        { create_alias: { collection_name: `${prefix}parents_v2`, alias_name: `${prefix}parents` } },
      ],
    });
    expect((await live.query({ ownerId: alice, sparse: hashedSparse('volcano') })).map((h) => h.chunk.fileName)).toEqual(['new.md']);
    expect(await live.admin.status()).toMatchObject({ current: 2, versions: [1, 2] });

    await expect(live.admin.dropVersion(2)).rejects.toMatchObject({ detail: { code: 'invalid_input' } });
    expect(await live.admin.rollback()).toBe(1);
    expect((await live.query({ ownerId: alice, sparse: hashedSparse('volcano') })).map((h) => h.chunk.fileName)).toEqual(['old.md']);
    await live.admin.dropVersion(2);
    expect((await live.admin.status()).versions).toEqual([1]);
    await expect(live.admin.rollback()).rejects.toMatchObject({ detail: { code: 'invalid_input', reason: 'no version older than 1 to roll back to' } });
  });

  it('refuses to swap to a version that does not exist', async () => {
    const s = store();
    await s.ensureReady({});
    await expect(s.admin.swapTo(7)).rejects.toMatchObject({ detail: { code: 'invalid_input' } });
  });

  it('snapshots both live collections', async () => {
    const s = store();
    const prefix = `t${prefixes}_`;
    await s.ensureReady({});
    const snapshots = await s.admin.snapshot();
    expect(snapshots.map((x) => x.collection)).toEqual([`${prefix}chunks_v1`, `${prefix}parents_v1`]);
    expect(server.requestsTo('/snapshots', 'POST').slice(-2).map((r) => [r.path, r.query['wait']])).toEqual([
      [`/collections/${prefix}chunks_v1/snapshots`, 'true'],
      [`/collections/${prefix}parents_v1/snapshots`, 'true'],
    ]);
  });
});

describe('errors, timeouts and retries', () => {
  it('retries a 503 with backoff and succeeds', async () => {
    const sleep = vi.fn(noSleep);
    const onRetry = vi.fn();
    const api = createQdrantApi({ url: server.url, sleep, onRetry, retryBaseMs: 100 });
    server.inject({ status: 503, pathIncludes: '/collections' });
    expect(Array.isArray(await api.listCollections())).toBe(true);
    expect(sleep).toHaveBeenCalledTimes(1);
    expect(sleep.mock.calls[0]![0]).toBeGreaterThanOrEqual(50);
    expect(onRetry).toHaveBeenCalledWith(expect.objectContaining({ operation: 'get_collections', attempt: 1 }));
  });

  it('gives up after QDRANT_RETRIES with dependency_unavailable', async () => {
    const api = createQdrantApi({ url: server.url, sleep: noSleep, retries: 2 });
    for (let i = 0; i < 3; i++) server.inject({ status: 502, pathIncludes: '/collections' });
    const before = server.requests.length;
    await expect(api.listCollections()).rejects.toMatchObject({ detail: { code: 'dependency_unavailable', dependency: 'vector-store' } });
    expect(server.requests.length - before).toBe(3);
  });

  it('waits Retry-After on 429 and maps a persistent 429 to rate_limited', async () => {
    const sleep = vi.fn(noSleep);
    const api = createQdrantApi({ url: server.url, sleep, retries: 1 });
    server.inject({ status: 429, pathIncludes: '/collections', headers: { 'retry-after': '2' } });
    server.inject({ status: 429, pathIncludes: '/collections', headers: { 'retry-after': '2' } });
    await expect(api.listCollections()).rejects.toMatchObject({ detail: { code: 'rate_limited', dependency: 'vector-store', retryAfterMs: 2000 } });
    expect(sleep).toHaveBeenCalledWith(2000);
  });

  it('does not retry a 4xx and reports it as invalid_input with the server message', async () => {
    const api = createQdrantApi({ url: server.url, sleep: noSleep });
    const before = server.requests.length;
    await expect(api.describeCollection('missing_collection')).rejects.toMatchObject({
      detail: { code: 'invalid_input', reason: expect.stringContaining("Collection `missing_collection` doesn't exist") },
    });
    expect(server.requests.length - before).toBe(1);
  });

  it('maps a slow answer to timeout after QDRANT_TIMEOUT_MS', async () => {
    const api = createQdrantApi({ url: server.url, sleep: noSleep, retries: 0, timeoutMs: 50 });
    server.inject({ status: 200, pathIncludes: '/collections', delayMs: 400, body: { result: { collections: [] }, status: 'ok', time: 0 } });
    await expect(api.listCollections()).rejects.toMatchObject({ detail: { code: 'timeout', dependency: 'vector-store', afterMs: 50 } });
  });

  it('maps a server that is down to dependency_unavailable', async () => {
    const down = new FakeQdrantServer();
    await down.start();
    const url = down.url;
    await down.stop();
    const api = createQdrantApi({ url, sleep: noSleep, retries: 1 });
    await expect(api.listAliases()).rejects.toMatchObject({ detail: { code: 'dependency_unavailable', dependency: 'vector-store' } });
  });

  it('stops promptly when the caller aborts', async () => {
    const api = createQdrantApi({ url: server.url, sleep: noSleep });
    server.inject({ status: 200, pathIncludes: '/collections', delayMs: 300, body: { result: { collections: [] }, status: 'ok', time: 0 } });
    const controller = new AbortController();
    const pending = api.listCollections(controller.signal);
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toBeInstanceOf(RagError);
    await expect(pending).rejects.toMatchObject({ detail: { code: 'cancelled' } });
  });

  it('refuses to be used before ensureReady', async () => {
    await expect(store().query({ ownerId: alice, sparse: hashedSparse('x') })).rejects.toMatchObject({ detail: { code: 'invalid_input' } });
  });
});

describe('reindex with a new embedder', () => {
  it('re-embeds every chunk into the next version, copies parents, swaps, and can roll back', async () => {
    const s = store();
    const prefix = `t${prefixes}_`;
    await s.ensureReady({ dimension: 16 });
    const f = makeFixtureFile({ ownerId: alice, fileName: 'a.md', parents: [['volcano lava basalt', 'magma chamber'], ['sourdough yeast']] });
    await s.upsert({ chunks: f.chunks, parents: f.parents });

    const embedder = new FakeEmbedder({ dimension: 32 });
    const progress: string[] = [];
    const result = await s.reindex({ embedder, batchSize: 2, onProgress: (p) => progress.push(`${p.stage}:${p.done}`) });
    expect(result).toEqual({ fromVersion: 1, toVersion: 2, chunks: 3, parents: 2, swapped: true });
    expect(progress).toEqual(['parents:2', 'chunks:2', 'chunks:3']);
    expect(server.collections.get(`${prefix}chunks_v2`)?.denseSize).toBe(32);

    const after = createQdrantVectorStore({ url: server.url, collectionPrefix: prefix });
    await after.ensureReady({ dimension: 32 });
    const [query] = await embedder.embed(['volcano magma'], { kind: 'query' });
    const hits = await after.query({ ownerId: alice, dense: query!.dense!, sparse: query!.sparse });
    expect(hits[0]?.chunk.parentId).toBe(f.parents[0]!.id);
    expect(await after.getParents(alice, [f.parents[1]!.id])).toEqual([f.parents[1]]);

    await after.admin.rollback();
    await expect(after.ensureReady({ dimension: 32 })).rejects.toMatchObject({ detail: { code: 'invalid_input' } });
  });
});
