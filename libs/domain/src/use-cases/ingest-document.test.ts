import {
  FakeClock,
  FakeEmbedder,
  FakeParsers,
  InMemoryFileRegistry,
  InMemoryVectorStore,
  loadSharedTokenizer,
  makeFixtureFile,
  sha256Hasher,
} from '@docrag/testing';
import { describe, expect, it } from 'vitest';
import type { UploadedFile } from '../model/document';
import { isRagErrorCode, RagError } from '../model/errors';
import { FileId, OwnerId } from '../model/ids';
import type { IngestProgress } from './types';
import { makeIngestDocument, makeRecoverIncompleteIngestions } from './ingest-document';
import type { IngestDeps } from './ingest-document';

const alice = OwnerId.user(1);
const bob = OwnerId.user(2);
const tokenizer = loadSharedTokenizer();

function manual(paragraphs = 30): string {
  const sections = ['# Installation', '# Usage', '# Troubleshooting'];
  return sections
    .map((h, s) => `${h}\n\n${Array.from({ length: paragraphs / 3 }, (_, i) => `Paragraph ${s}.${i} explains step ${i} of the ${h.slice(2).toLowerCase()} with the blue valve and the torque wrench set to ${i * 5} newton metres.`).join('\n\n')}`)
    .join('\n\n');
}

function upload(text: string, ownerId = alice, name = 'manual.md'): UploadedFile {
  return { ownerId, name, bytes: new TextEncoder().encode(text) };
}

function setup(over: { embedder?: FakeEmbedder } & Pick<IngestDeps, 'embedBatchSize' | 'maxFileBytes'> = {}) {
  const deps = {
    parsers: new FakeParsers(),
    embedder: over.embedder ?? new FakeEmbedder(),
    store: new InMemoryVectorStore(),
    registry: new InMemoryFileRegistry(),
    hasher: sha256Hasher,
    clock: new FakeClock(),
    tokenCounter: tokenizer,
    childTokens: 48,
    childOverlap: 8,
    parentTokens: 120,
    ...(over.embedBatchSize === undefined ? {} : { embedBatchSize: over.embedBatchSize }),
    ...(over.maxFileBytes === undefined ? {} : { maxFileBytes: over.maxFileBytes }),
  };
  return { ...deps, ingest: makeIngestDocument(deps) };
}

describe('makeIngestDocument', () => {
  it('parses, chunks, embeds in batches, stores and registers the file', async () => {
    const t = setup({ embedBatchSize: 4 });
    const progress: IngestProgress[] = [];
    const result = await t.ingest(upload(manual()), { onProgress: (p) => progress.push(p) });

    expect(result.status).toBe('indexed');
    const record = result.file;
    expect(record).toMatchObject({ ownerId: alice, name: 'manual.md', format: 'markdown', status: 'ready', createdAt: 1_700_000_000_000 });
    expect(record.fileId).toBe(FileId.of(alice, record.sha256));
    expect(record.sha256).toBe(await sha256Hasher.sha256(new TextEncoder().encode(manual())));
    expect(await t.registry.get(alice, record.fileId)).toEqual(record);

    const stats = await t.store.stats(alice);
    expect(stats).toMatchObject({ chunks: record.chunkCount, parents: record.parentCount, files: 1, dimension: 32 });
    expect(record.parentCount).toBeGreaterThanOrEqual(3);
    expect(record.chunkCount).toBeGreaterThan(record.parentCount);

    const sizes = t.embedder.calls.map((c) => c.texts.length);
    expect(sizes.slice(0, -1).every((n) => n === 4)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(record.chunkCount);
    expect(t.embedder.calls.every((c) => c.kind === 'document')).toBe(true);

    const stages = progress.map((p) => p.stage).filter((s, i, a) => s !== a[i - 1]);
    const batches = Math.ceil(record.chunkCount / 4);
    expect(stages).toEqual(['parsing', 'chunking', ...Array.from({ length: batches }, () => ['embedding', 'storing']).flat(), 'done']);
    expect(progress[0]).toEqual({ stage: 'parsing' });
    expect(progress.at(-1)).toEqual({ stage: 'done', done: record.chunkCount, total: record.chunkCount });
    const embedded = progress.filter((p) => p.stage === 'embedding').map((p) => p.done);
    expect(embedded).toEqual([...embedded].sort((a, b) => a! - b!));
    expect(embedded.at(-1)).toBe(record.chunkCount);
  });

  it('rejects an oversized file before hashing or parsing', async () => {
    const t = setup({ maxFileBytes: 10 });
    const error = await t.ingest(upload('x'.repeat(11))).catch((e: unknown) => e);
    expect(isRagErrorCode(error, 'file_too_large') && error.detail).toEqual({ code: 'file_too_large', sizeBytes: 11, limitBytes: 10 });
    expect(t.parsers.parsed).toEqual([]);
    expect(t.registry.all()).toEqual([]);
  });

  it('rejects an empty file', async () => {
    const t = setup();
    await expect(t.ingest(upload(''))).rejects.toSatisfy((e) => isRagErrorCode(e, 'empty_file'));
  });

  it('dedupes the same bytes per owner but not across owners', async () => {
    const t = setup();
    const first = await t.ingest(upload(manual()));
    const calls = t.embedder.calls.length;
    const again = await t.ingest(upload(manual(), alice, 'renamed.md'));
    expect(again).toEqual({ status: 'duplicate', file: first.file });
    expect(t.embedder.calls.length).toBe(calls);
    const other = await t.ingest(upload(manual(), bob));
    expect(other.status).toBe('indexed');
    expect(other.file.fileId).not.toBe(first.file.fileId);
    expect((await t.store.stats(bob)).chunks).toBe(first.file.chunkCount);
  });

  it('treats the same file sent twice at once as one ingestion', async () => {
    const t = setup({ embedder: new FakeEmbedder({ delayMs: 5 }) });
    const [a, b] = await Promise.all([t.ingest(upload(manual())), t.ingest(upload(manual()))]);
    expect([a.status, b.status].sort()).toEqual(['duplicate', 'indexed']);
    expect((await t.store.stats(alice)).files).toBe(1);
  });

  it('removes its points and its record when embedding fails mid-way', async () => {
    const embedder = new FakeEmbedder();
    const t = setup({ embedder, embedBatchSize: 2 });
    let calls = 0;
    const original = embedder.embed.bind(embedder);
    embedder.embed = async (texts, options) => {
      if (++calls === 3) throw new RagError({ code: 'dependency_unavailable', dependency: 'ml-api' });
      return original(texts, options);
    };
    await expect(t.ingest(upload(manual()))).rejects.toSatisfy((e) => isRagErrorCode(e, 'dependency_unavailable'));
    expect(await t.store.stats()).toMatchObject({ chunks: 0, parents: 0 });
    expect(t.registry.all()).toEqual([]);
  });

  it('removes everything when the final registration fails', async () => {
    const t = setup();
    const put = t.registry.put.bind(t.registry);
    t.registry.put = async (record) => {
      if (record.status === 'ready') throw new Error('disk full');
      return put(record);
    };
    await expect(t.ingest(upload(manual()))).rejects.toThrow('disk full');
    expect((await t.store.stats()).chunks).toBe(0);
    expect(t.registry.all()).toEqual([]);
  });

  it('clears points left by an earlier crashed attempt before writing', async () => {
    const t = setup();
    const bytes = new TextEncoder().encode(manual());
    const sha = await sha256Hasher.sha256(bytes);
    const fileId = FileId.of(alice, sha);
    // A crashed run left a stale record and a stale chunk under the same file id.
    await t.registry.put({ fileId, ownerId: alice, name: 'manual.md', format: 'markdown', sha256: sha, sizeBytes: bytes.length, parentCount: 0, chunkCount: 0, status: 'indexing', createdAt: 1 });
    const stale = makeFixtureFile({ ownerId: alice, fileName: 'manual.md', parents: [['stale text from an old parser']], dimension: 32 });
    await t.store.upsert({ chunks: stale.chunks.map((c) => ({ ...c, chunk: { ...c.chunk, fileId, id: `${fileId}#c999` as never } })), parents: [] });

    const result = await t.ingest({ ownerId: alice, name: 'manual.md', bytes });
    expect(result.status).toBe('indexed');
    expect((await t.store.stats(alice)).chunks).toBe(result.file.chunkCount);
    const hits = await t.store.query({ ownerId: alice, sparse: { indices: [], values: [] } });
    expect(hits.some((h) => h.chunk.text.includes('stale'))).toBe(false);
  });

  it('turns an abort into RagError cancelled and leaves nothing behind', async () => {
    const t = setup({ embedder: new FakeEmbedder({ delayMs: 20 }), embedBatchSize: 2 });
    const controller = new AbortController();
    const running = t.ingest(upload(manual()), {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.stage === 'storing') controller.abort(new Error('user pressed cancel'));
      },
    });
    await expect(running).rejects.toSatisfy((e) => isRagErrorCode(e, 'cancelled'));
    expect((await t.store.stats()).chunks).toBe(0);
    expect(t.registry.all()).toEqual([]);
  });

  it('reports no_text and unsupported formats without leaving a record', async () => {
    const t = setup();
    await expect(t.ingest(upload('   ...   '))).rejects.toSatisfy((e) => isRagErrorCode(e, 'no_text'));
    await expect(t.ingest(upload('PK\u0003\u0004zip', alice, 'a.docx'))).rejects.toSatisfy((e) => isRagErrorCode(e, 'unsupported_format'));
    expect(t.registry.all()).toEqual([]);
  });

  it('keeps going when the progress observer throws', async () => {
    const t = setup();
    const result = await t.ingest(upload(manual(3)), {
      onProgress: () => {
        throw new Error('message edit failed');
      },
    });
    expect(result.status).toBe('indexed');
  });

  it('creates a sparse-only store when the embedder has no dense model', async () => {
    const t = setup({ embedder: new FakeEmbedder({ dimension: 0 }) });
    await t.ingest(upload(manual(3)));
    expect((await t.store.stats()).dimension).toBeUndefined();
  });
});

describe('makeRecoverIncompleteIngestions', () => {
  it('removes the points and records of interrupted ingestions only', async () => {
    const t = setup();
    const done = await t.ingest(upload(manual(3)));
    const crashed = makeFixtureFile({ ownerId: bob, fileName: 'crashed.pdf', parents: [['half written']], dimension: 32 });
    await t.store.upsert({ chunks: crashed.chunks, parents: crashed.parents });
    await t.registry.put({ fileId: crashed.fileId, ownerId: bob, name: 'crashed.pdf', format: 'pdf', sha256: 'ff', sizeBytes: 3, parentCount: 0, chunkCount: 0, status: 'indexing', createdAt: 5 });

    const report = await makeRecoverIncompleteIngestions(t)();
    expect(report.recovered.map((r) => r.fileId)).toEqual([crashed.fileId]);
    expect(report.failed).toEqual([]);
    expect((await t.store.stats(bob)).chunks).toBe(0);
    expect(await t.registry.list(bob)).toEqual([]);
    expect(await t.registry.get(alice, done.file.fileId)).toEqual(done.file);
    expect((await t.store.stats(alice)).chunks).toBe(done.file.chunkCount);
  });

  it('reports records it could not clean and keeps them for the next run', async () => {
    const t = setup();
    await t.registry.put({ fileId: FileId.of(bob, 'ee'), ownerId: bob, name: 'x', format: 'text', sha256: 'ee', sizeBytes: 1, parentCount: 0, chunkCount: 0, status: 'indexing', createdAt: 1 });
    t.store.failWith = new Error('store down');
    const report = await makeRecoverIncompleteIngestions(t)();
    expect(report.recovered).toEqual([]);
    expect(report.failed).toHaveLength(1);
    expect(await t.registry.listIncomplete()).toHaveLength(1);
  });
});
