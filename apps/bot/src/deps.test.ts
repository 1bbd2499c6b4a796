/**
 * The question and ingestion limits travel from the environment to the use cases: the config is
 * parsed, mapped by `answerOptionsFromConfig` / `ingestOptionsFromConfig` (what the Node and edge
 * entries spread into `makeAnswerQuestion` / `makeIngestDocument`), and observed on the fakes.
 */
import { OwnerId, makeAnswerQuestion, makeIngestDocument, type AnswerEvent, type Source, type TokenCounter } from '@docrag/domain';
import {
  FakeClock,
  FakeEmbedder,
  FakeGenerator,
  FakeParsers,
  FakeReranker,
  InMemoryChatHistory,
  InMemoryFileRegistry,
  InMemoryVectorStore,
  sha256Hasher,
} from '@docrag/testing';
import { describe, expect, it } from 'vitest';
import { GARDEN_MD } from '../test/support/documents';
import { loadConfig } from './config';
import { answerOptionsFromConfig, ingestOptionsFromConfig } from './deps';

const owner = OwnerId.user(42);
const base = { TELEGRAM_TOKEN: '123456:ABC-def_ghi', ALLOWED_USER_IDS: '42' };
const wordCounter: TokenCounter = { count: (text) => text.split(/\s+/).filter(Boolean).length };


async function run(env: Record<string, string>) {
  const config = loadConfig({ ...base, ...env });
  const store = new InMemoryVectorStore();
  const embedder = new FakeEmbedder();
  const reranker = new FakeReranker();
  const history = new InMemoryChatHistory();
  const clock = new FakeClock(0, 1);
  const ingest = makeIngestDocument({
    parsers: new FakeParsers(),
    embedder,
    store,
    registry: new InMemoryFileRegistry(),
    hasher: sha256Hasher,
    clock,
    tokenCounter: wordCounter,
    ...ingestOptionsFromConfig(config),
  });
  const ingested = await ingest({ ownerId: owner, name: 'garden.md', bytes: new TextEncoder().encode(GARDEN_MD) });
  const documentBatches = embedder.calls.filter((c) => c.kind === 'document').map((c) => c.texts);
  const parents = await store.getFileParents(owner, ingested.file.fileId);

  const answer = makeAnswerQuestion({ embedder, store, reranker, generator: new FakeGenerator(), history, clock, ...answerOptionsFromConfig(config) });
  const ask = async (question: string) => {
    let sources: readonly Source[] = [];
    for await (const event of answer({ ownerId: owner, chatKey: 'chat', question }) as AsyncIterable<AnswerEvent>) {
      if (event.type === 'retrieved') sources = event.sources;
    }
    return sources;
  };
  const sources = await ask('How often is the compost turned?');
  await ask('And what mulch do the beds get?');
  await ask('When is the mulch spread?');
  return { documentBatches, parents, sources, store, reranker, turns: await history.load('chat') };
}

describe('use-case options from config', () => {
  it('with the defaults: 30 candidates, top 5, 3 turns, 32 children per embedding batch', async () => {
    const r = await run({});
    expect(r.store.queries.map((q) => q.limit)).toEqual([30, 30, 30]);
    expect(r.reranker.calls.map((c) => c.topK)).toEqual([5, 5, 5]);
    expect(r.sources.length).toBeGreaterThan(2);
    expect(r.turns).toHaveLength(3);
  });

  it('RETRIEVAL_LIMIT, RERANK_TOP_K and MAX_HISTORY_TURNS reach the answer use case', async () => {
    const r = await run({ RETRIEVAL_LIMIT: '7', RERANK_TOP_K: '2', MAX_HISTORY_TURNS: '1' });
    expect(r.store.queries.map((q) => q.limit)).toEqual([7, 7, 7]);
    expect(r.reranker.calls.every((c) => c.documents.length <= 7 && c.topK === 2)).toBe(true);
    expect(r.sources.length).toBeGreaterThan(0);
    expect(r.sources.length).toBeLessThanOrEqual(2);
    expect(r.turns).toHaveLength(1);
  });

  it('CHUNK_* sizes and EMBED_BATCH_SIZE reach the ingestion use case', async () => {
    const defaults = await run({});
    const r = await run({ CHUNK_PARENT_TOKENS: '60', CHUNK_CHILD_TOKENS: '16', CHUNK_OVERLAP_TOKENS: '4', EMBED_BATCH_SIZE: '5' });
    const words = (parents: typeof r.parents) => parents.map((p) => wordCounter.count(p.text));
    // Sections of ~38 words: 1200-token parents (the default) hold two sections, 60-token ones stay within 60.
    expect(Math.max(...words(defaults.parents))).toBeGreaterThan(60);
    expect(Math.max(...words(r.parents))).toBeLessThanOrEqual(60);
    expect(r.parents.length).toBeGreaterThan(defaults.parents.length);
    const children = r.documentBatches.flat();
    expect(children.every((text) => wordCounter.count(text) <= 16)).toBe(true);
    expect(r.documentBatches.every((batch) => batch.length <= 5)).toBe(true);
    expect(r.documentBatches.slice(0, -1).every((batch) => batch.length === 5)).toBe(true);
    expect(defaults.documentBatches.every((batch) => batch.length <= 32)).toBe(true);
    expect(children.length).toBeGreaterThan(defaults.documentBatches.flat().length);
  });
});
