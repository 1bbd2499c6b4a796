/**
 * End-to-end ingestion over the real adapters: the Markdown/text parsers, the domain chunker with
 * the MiniLM tokenizer (or a word counter when ../shared is absent), the BM25 sparse embedder and
 * the embedded SQLite store + registry, wired by the domain's use cases exactly as the bot does.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnswerEvent, Embedder, OwnerId, TokenCounter, VectorStore } from '@docrag/domain';
import { OwnerId as Owners, makeAnswerQuestion, makeIngestDocument, makeRecoverIncompleteIngestions, systemClock } from '@docrag/domain';
import { createDocumentParsers } from '@docrag/parsers';
import { createBm25SparseEncoder, createSparseEmbedder } from '@docrag/sparse';
import type { SqliteStore } from '@docrag/sqlite-store';
import { createSqliteStore } from '@docrag/sqlite-store';
import { FakeGenerator, sha256Hasher } from '@docrag/testing';
import { loadTokenCounter } from '../src/token-counter';
import { sharedDir } from '../src/scifact';

const tokenizerDir = path.join(sharedDir(), 'models', 'all-MiniLM-L6-v2-tokenizer');
// The chunker only needs counts; without ../shared a word count keeps these tests meaningful.
const tokenCounter: TokenCounter = existsSync(tokenizerDir) ? loadTokenCounter(tokenizerDir) : { count: (t) => t.split(/\s+/).filter(Boolean).length };

const alice = Owners.user(101);
const bob = Owners.user(202);

/** A long Markdown document: several sections, enough text for many children and a few parents. */
function manual(topic: string, sections = 6): Uint8Array {
  const parts = [`# ${topic} handbook`];
  for (let s = 1; s <= sections; s++) {
    parts.push(`## ${topic} section ${s}`);
    for (let p = 0; p < 6; p++) {
      parts.push(
        `Paragraph ${p} of section ${s} explains how the ${topic} behaves under condition ${s * 10 + p}. ` +
          `Operators of the ${topic} record readings, compare them with the reference table and report drift. `.repeat(4),
      );
    }
  }
  return new TextEncoder().encode(parts.join('\n\n'));
}

interface Harness {
  sqlite: SqliteStore;
  embedder: Embedder;
  ingest: ReturnType<typeof makeIngestDocument>;
}

describe('ingestion end to end (parsers -> chunker -> BM25 -> SQLite store -> registry)', () => {
  const dirs: string[] = [];
  const opened: SqliteStore[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const dbFile = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'docrag-e2e-'));
    dirs.push(dir);
    return path.join(dir, 'docrag.sqlite');
  };
  const harness = (file: string, store?: (s: VectorStore) => VectorStore): Harness => {
    const encoder = createBm25SparseEncoder();
    const sqlite = createSqliteStore({ path: file, sparseModel: encoder.name });
    opened.push(sqlite);
    const embedder = createSparseEmbedder(encoder);
    const ingest = makeIngestDocument({
      parsers: createDocumentParsers(),
      embedder,
      store: store ? store(sqlite.vectorStore) : sqlite.vectorStore,
      registry: sqlite.registry,
      hasher: sha256Hasher,
      clock: systemClock,
      tokenCounter,
      embedBatchSize: 2,
    });
    return { sqlite, embedder, ingest };
  };
  const search = async (h: Harness, ownerId: OwnerId, text: string) => {
    const [embedding] = await h.embedder.embed([text], { kind: 'query' });
    return h.sqlite.vectorStore.query({ ownerId, sparse: embedding!.sparse, limit: 100 });
  };

  it('indexes a document and finds it, with registry and store in agreement', async () => {
    const h = harness(dbFile());
    const progress: string[] = [];
    const result = await h.ingest({ ownerId: alice, name: 'turbine.md', bytes: manual('turbine') }, { onProgress: (p) => progress.push(p.stage) });
    expect(result.status).toBe('indexed');
    expect(result.file).toMatchObject({ status: 'ready', format: 'markdown', name: 'turbine.md' });
    expect(result.file.chunkCount).toBeGreaterThan(6);
    expect(progress).toEqual(expect.arrayContaining(['parsing', 'chunking', 'embedding', 'storing', 'done']));
    expect(await h.sqlite.vectorStore.listFiles(alice)).toEqual([
      { fileId: result.file.fileId, chunkCount: result.file.chunkCount, parentCount: result.file.parentCount },
    ]);
    const hits = await search(h, alice, 'turbine condition 34 drift');
    expect(hits[0]!.chunk.fileId).toBe(result.file.fileId);
    expect(hits[0]!.chunk.headingPath.at(-1)).toBe('turbine section 3');
    // Sending the same bytes again is a duplicate, not a second copy.
    expect((await h.ingest({ ownerId: alice, name: 'again.md', bytes: manual('turbine') })).status).toBe('duplicate');
    expect((await h.sqlite.vectorStore.stats(alice)).chunks).toBe(result.file.chunkCount);
  });

  it('leaves no orphans and no duplicates when a crash interrupts a file and it is sent again', async () => {
    const file = dbFile();
    // First process: the store stops answering after two batches (the process dies mid-file, so
    // the use case never gets to clean up). Its committed batches stay in the file.
    const first = harness(file, (store) => {
      let calls = 0;
      return Object.assign(Object.create(store) as VectorStore, {
        upsert: (batch: Parameters<VectorStore['upsert']>[0], signal?: AbortSignal) =>
          ++calls > 2 ? new Promise<void>(() => undefined) : store.upsert(batch, signal),
      });
    });
    void first.ingest({ ownerId: alice, name: 'pump.md', bytes: manual('pump') });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const partial = await first.sqlite.vectorStore.stats(alice);
    expect(partial.chunks).toBe(4); // two batches of 2, of a file with many more children
    expect((await first.sqlite.registry.listIncomplete()).map((r) => r.name)).toEqual(['pump.md']);
    await first.sqlite.close();

    // Second process, same file: the start-up sweep removes the interrupted ingestion...
    const second = harness(file);
    const report = await makeRecoverIncompleteIngestions({ store: second.sqlite.vectorStore, registry: second.sqlite.registry })();
    expect(report.recovered.map((r) => r.name)).toEqual(['pump.md']);
    expect((await second.sqlite.vectorStore.stats()).chunks).toBe(0);
    // ...and sending the file again indexes exactly one copy.
    const again = await second.ingest({ ownerId: alice, name: 'pump.md', bytes: manual('pump') });
    const stats = await second.sqlite.vectorStore.stats(alice);
    expect(stats.chunks).toBe(again.file.chunkCount);
    expect(stats.parents).toBe(again.file.parentCount);
    expect(await second.sqlite.registry.list(alice)).toHaveLength(1);
    const ids = (await search(second, alice, 'pump readings')).map((h) => h.chunk.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('re-ingesting over a crashed attempt without the sweep also converges to one copy', async () => {
    const file = dbFile();
    const first = harness(file, (store) => {
      let calls = 0;
      return Object.assign(Object.create(store) as VectorStore, {
        upsert: (batch: Parameters<VectorStore['upsert']>[0], signal?: AbortSignal) =>
          ++calls > 1 ? new Promise<void>(() => undefined) : store.upsert(batch, signal),
      });
    });
    void first.ingest({ ownerId: alice, name: 'valve.md', bytes: manual('valve') });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await first.sqlite.close();
    const second = harness(file);
    const result = await second.ingest({ ownerId: alice, name: 'valve.md', bytes: manual('valve') });
    expect(result.status).toBe('indexed');
    expect((await second.sqlite.vectorStore.stats(alice)).chunks).toBe(result.file.chunkCount);
  });

  it('a parse failure leaves nothing behind', async () => {
    const h = harness(dbFile());
    const corruptPdf = new TextEncoder().encode('%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without xref');
    await expect(h.ingest({ ownerId: alice, name: 'broken.pdf', bytes: corruptPdf })).rejects.toMatchObject({ name: 'RagError' });
    expect(await h.sqlite.registry.list(alice)).toEqual([]);
    expect((await h.sqlite.vectorStore.stats()).chunks).toBe(0);
  });

  it('deleting a file removes every point and its registry entry, and nothing else', async () => {
    const h = harness(dbFile());
    const keep = await h.ingest({ ownerId: alice, name: 'boiler.md', bytes: manual('boiler', 3) });
    const gone = await h.ingest({ ownerId: alice, name: 'chiller.md', bytes: manual('chiller', 3) });
    // What the bot's /delete does: the store first, then the registry.
    expect(await h.sqlite.vectorStore.deleteFile(alice, gone.file.fileId)).toBe(gone.file.chunkCount);
    expect(await h.sqlite.registry.remove(alice, gone.file.fileId)).toBe(true);
    expect(await h.sqlite.vectorStore.getFileParents(alice, gone.file.fileId)).toEqual([]);
    expect((await search(h, alice, 'chiller')).filter((x) => x.chunk.fileId === gone.file.fileId)).toEqual([]);
    expect((await h.sqlite.vectorStore.stats(alice)).chunks).toBe(keep.file.chunkCount);
    expect((await h.sqlite.registry.list(alice)).map((f) => f.name)).toEqual(['boiler.md']);
    const dfSum = h.sqlite.db.prepare('SELECT SUM(df) AS n FROM term_df').get() as { n: number };
    const postings = h.sqlite.db.prepare('SELECT SUM(count) AS n FROM posting_blocks').get() as { n: number };
    expect(dfSum.n).toBe(postings.n);
  });

  it('user A can never retrieve user B’s chunks, through search and through answers', async () => {
    const h = harness(dbFile());
    const secret = new TextEncoder().encode('# Bob payroll\n\nBob salary is 91234 credits, paid on the third Friday.');
    const bobs = await h.ingest({ ownerId: bob, name: 'payroll.md', bytes: secret });
    // The same bytes sent by Alice become a different file of hers, not a duplicate of Bob's.
    const alices = await h.ingest({ ownerId: alice, name: 'payroll.md', bytes: manual('payroll', 2) });
    expect(alices.status).toBe('indexed');
    const sameBytes = await h.ingest({ ownerId: alice, name: 'copy.md', bytes: secret });
    expect(sameBytes.status).toBe('indexed');
    expect(sameBytes.file.fileId).not.toBe(bobs.file.fileId);
    await h.sqlite.vectorStore.deleteFile(alice, sameBytes.file.fileId);
    await h.sqlite.registry.remove(alice, sameBytes.file.fileId);

    const hits = await search(h, alice, 'Bob salary 91234 credits third Friday payroll');
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((x) => x.chunk.ownerId === alice)).toBe(true);
    expect(await h.sqlite.vectorStore.query({ ownerId: alice, sparse: (await h.embedder.embed(['salary'], { kind: 'query' }))[0]!.sparse, fileIds: [bobs.file.fileId] })).toEqual([]);

    const answer = makeAnswerQuestion({
      embedder: h.embedder,
      store: h.sqlite.vectorStore,
      generator: new FakeGenerator(),
      history: h.sqlite.history,
      clock: systemClock,
    });
    const events: AnswerEvent[] = [];
    for await (const event of answer({ ownerId: alice, chatKey: 'chat:1', question: 'What is Bob salary in credits?' })) events.push(event);
    const retrieved = events.find((e) => e.type === 'retrieved');
    expect(retrieved && retrieved.type === 'retrieved' && retrieved.sources.every((s) => s.parent.ownerId === alice)).toBe(true);
    const done = events.at(-1);
    expect(done?.type === 'done' && done.answer.text.includes('91234')).toBe(false);
  });
});
