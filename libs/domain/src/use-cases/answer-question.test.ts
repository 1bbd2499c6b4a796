import {
  FakeClock,
  FakeEmbedder,
  FakeGenerator,
  FakeParsers,
  FakeReranker,
  InMemoryChatHistory,
  InMemoryFileRegistry,
  InMemoryVectorStore,
  loadSharedTokenizer,
  makeFixtureFile,
  sha256Hasher,
} from '@docrag/testing';
import { describe, expect, it } from 'vitest';
import type { GenerateRequest } from '../ports/generator.port';
import { isRagErrorCode } from '../model/errors';
import { OwnerId } from '../model/ids';
import type { AnswerDeps } from './answer-question';
import { makeAnswerQuestion } from './answer-question';
import { makeIngestDocument } from './ingest-document';
import type { AnswerEvent, AnswerInput } from './types';

const alice = OwnerId.user(1);
const bob = OwnerId.user(2);

const GARDEN = `# Roses\n\nPrune roses in late winter, just above an outward-facing bud.\n\nFeed roses with potash in spring for more flowers.\n\n# Tomatoes\n\nTomatoes need six hours of sun and deep watering twice a week.\n\nPinch out tomato side shoots so the plant puts energy into fruit.`;
const SECRET = `# Bob's notes\n\nThe vault code is 4711 and roses grow in the cellar.`;

interface Overrides extends Pick<AnswerDeps, 'maxHistoryTurns' | 'rerankTopK'> {
  reranker?: FakeReranker;
  store?: InMemoryVectorStore;
  embedder?: FakeEmbedder;
  generator?: FakeGenerator;
}

async function setup(over: Overrides = {}) {
  const store = over.store ?? new InMemoryVectorStore();
  const embedder = over.embedder ?? new FakeEmbedder();
  const ingest = makeIngestDocument({
    parsers: new FakeParsers(),
    embedder,
    store,
    registry: new InMemoryFileRegistry(),
    hasher: sha256Hasher,
    clock: new FakeClock(),
    tokenCounter: loadSharedTokenizer(),
    // One paragraph per child, and small parents, so the test can reason about which parent wins.
    parentTokens: 40,
    childTokens: 20,
    childOverlap: 2,
  });
  await ingest({ ownerId: alice, name: 'garden.md', bytes: new TextEncoder().encode(GARDEN) });
  await ingest({ ownerId: bob, name: 'secret.md', bytes: new TextEncoder().encode(SECRET) });
  const stages: [string, number][] = [];
  const deps = {
    embedder,
    store,
    generator: over.generator ?? new FakeGenerator(),
    history: new InMemoryChatHistory(),
    clock: new FakeClock(0, 10),
    onStage: (stage: string, ms: number) => stages.push([stage, ms]),
    ...(over.reranker ? { reranker: over.reranker } : {}),
    ...(over.maxHistoryTurns === undefined ? {} : { maxHistoryTurns: over.maxHistoryTurns }),
    ...(over.rerankTopK === undefined ? {} : { rerankTopK: over.rerankTopK }),
  } satisfies AnswerDeps;
  return { ...deps, stages, answer: makeAnswerQuestion(deps) };
}

async function run(answer: ReturnType<typeof makeAnswerQuestion>, input: Partial<AnswerInput> & { question: string }) {
  const events: AnswerEvent[] = [];
  for await (const e of answer({ ownerId: alice, chatKey: 'chat:1', ...input })) events.push(e);
  const done = events.at(-1);
  if (done?.type !== 'done') throw new Error('no done event');
  return { events, answer: done.answer };
}

describe('makeAnswerQuestion', () => {
  it('retrieves, numbers sources, streams the answer and maps its citations', async () => {
    const t = await setup({ reranker: new FakeReranker() });
    const { events, answer } = await run(t.answer, { question: 'When should I prune roses?' });

    expect(events.map((e) => e.type)).toEqual(['retrieved', 'delta', 'delta', 'delta', 'delta', 'delta', 'done']);
    const retrieved = events[0]!;
    if (retrieved.type !== 'retrieved') throw new Error('expected retrieved first');
    expect(retrieved.rerankSkipped).toBe(false);
    expect(retrieved.sources.map((s) => s.n)).toEqual(retrieved.sources.map((_, i) => i + 1));
    expect(retrieved.sources[0]!.parent.text).toContain('Prune roses in late winter');
    expect(retrieved.sources.length).toBeLessThanOrEqual(5);

    expect(answer.text).toBe('The answer is in the document [Source 1].');
    expect(answer.mode).toBe('generated');
    expect(answer.model).toBe('fake-llm');
    expect(answer.usage).toBeDefined();
    expect(answer.citations).toEqual([
      expect.objectContaining({ n: 1, fileName: 'garden.md', heading: 'Roses' }),
    ]);
    expect(answer.retrievalQuery).toBe('When should I prune roses?');

    const request = t.generator.requests[0]!;
    expect(request.messages[1]!.content).toContain('[Source 1] garden.md (Roses)');
    expect(request.sources).toEqual(retrieved.sources);
    expect(await t.history.load('chat:1')).toEqual([{ question: 'When should I prune roses?', answer: answer.text, at: expect.any(Number) }]);
  });

  it('scopes every store call to the asking owner', async () => {
    const t = await setup();
    const { answer } = await run(t.answer, { question: 'vault code cellar roses' });
    expect(t.store.queries.every((q) => q.ownerId === alice)).toBe(true);
    expect(answer.sources.every((s) => s.parent.ownerId === alice)).toBe(true);
    expect(JSON.stringify(t.generator.requests)).not.toContain('4711');
  });

  it('answers "no sources" without calling the LLM when nothing matches', async () => {
    const t = await setup();
    const { events, answer } = await run(t.answer, { question: 'quantum chromodynamics lattice', ownerId: OwnerId.user(3) });
    expect(events.map((e) => e.type)).toEqual(['retrieved', 'done']);
    expect(answer.mode).toBe('no_sources');
    expect(answer.sources).toEqual([]);
    expect(answer.text).toMatch(/could not find/);
    expect(t.generator.requests).toEqual([]);
  });

  it('keeps the fused order and flags it when there is no reranker or it fails', async () => {
    const none = await setup();
    const a = await run(none.answer, { question: 'tomato sun watering' });
    expect(a.answer.rerankSkipped).toBe(true);
    const failing = await setup({ reranker: new FakeReranker(new Error('rerank model not loaded')) });
    const b = await run(failing.answer, { question: 'tomato sun watering' });
    expect(b.answer.rerankSkipped).toBe(true);
    expect(b.answer.sources.map((s) => s.parent.id)).toEqual(a.answer.sources.map((s) => s.parent.id));
    expect(failing.stages.map(([s]) => s)).toContain('rerank');
  });

  it('uses the reranker order and scores, top 5 at most', async () => {
    const reranker = new FakeReranker();
    const t = await setup({ reranker, rerankTopK: 1 });
    const { answer } = await run(t.answer, { question: 'side shoots tomato plant fruit' });
    expect(reranker.calls[0]!.topK).toBe(1);
    expect(answer.sources).toHaveLength(1);
    expect(answer.sources[0]!.matched[0]!.chunk.text).toMatch(/shoots/);
    expect(answer.sources[0]!.score).toBeGreaterThan(0.5);
  });

  it('merges children of the same parent into one source with the best score', async () => {
    const store = new InMemoryVectorStore();
    const carol = OwnerId.user(3);
    const f = makeFixtureFile({ ownerId: carol, fileName: 'a.md', dimension: 32, parents: [['alpha beta one', 'alpha beta two'], ['gamma delta']] });
    await store.upsert({ chunks: f.chunks, parents: f.parents });
    const t = await setup({ store, embedder: new FakeEmbedder() });
    const { answer } = await run(t.answer, { question: 'alpha beta gamma', ownerId: carol });
    expect(answer.sources.map((s) => s.parent.id).sort()).toEqual([f.parents[0]!.id, f.parents[1]!.id].sort());
    const merged = answer.sources.find((s) => s.parent.id === f.parents[0]!.id)!;
    expect(merged.matched.map((m) => m.chunk.text).sort()).toEqual(['alpha beta one', 'alpha beta two']);
    expect(merged.score).toBe(Math.max(...merged.matched.map((m) => m.score)));
    expect(answer.sources.map((s) => s.n)).toEqual([1, 2]);
    // Sources are ordered by their best child, as retrieval ranked them.
    expect(answer.sources[0]!.score).toBeGreaterThanOrEqual(answer.sources[1]!.score);
  });

  it('condenses a follow-up with the LLM, using history', async () => {
    const generator = new FakeGenerator({
      script: (req: GenerateRequest) => (req.sources.length === 0 ? ['Question: "How often should tomatoes be watered?"'] : ['Twice a week [Source 1].']),
    });
    const t = await setup({ generator });
    await t.history.append('chat:1', { question: 'Tell me about tomatoes', answer: 'They like sun.', at: 1 }, 3);
    const { answer } = await run(t.answer, { question: 'How often do I water them?' });
    expect(answer.retrievalQuery).toBe('How often should tomatoes be watered?');
    expect(generator.requests[0]!.messages[1]!.content).toContain('User: Tell me about tomatoes');
    expect(t.embedder.calls.at(-1)).toEqual({ texts: ['How often should tomatoes be watered?'], kind: 'query' });
    expect(answer.question).toBe('How often do I water them?');
    expect(t.stages.map(([s]) => s)).toContain('condense');
  });

  it('condenses heuristically with an extractive generator or when the LLM fails', async () => {
    const t = await setup({ generator: new FakeGenerator({ kind: 'extractive' }) });
    await t.history.append('chat:1', { question: 'roses', answer: '...', at: 1 }, 3);
    const { answer } = await run(t.answer, { question: 'when to feed?' });
    expect(answer.retrievalQuery).toBe('roses when to feed?');
    expect(answer.mode).toBe('extractive');
    expect(t.generator.requests).toHaveLength(1);

    let calls = 0;
    const flaky = new FakeGenerator({ script: () => (calls++ === 0 ? ['x'] : ['Feed in spring [Source 1].']) });
    const original = flaky.generate.bind(flaky);
    let first = true;
    flaky.generate = (req) => {
      if (first) {
        first = false;
        return new FakeGenerator({ failWith: new Error('LLM 500') }).generate(req);
      }
      return original(req);
    };
    const u = await setup({ generator: flaky });
    await u.history.append('chat:1', { question: 'roses', answer: '...', at: 1 }, 3);
    const r = await run(u.answer, { question: 'when to feed?' });
    expect(r.answer.retrievalQuery).toBe('roses when to feed?');
    expect(r.answer.text).toBe('x');
  });

  it('keeps at most maxHistoryTurns turns', async () => {
    const t = await setup({ maxHistoryTurns: 2, generator: new FakeGenerator({ kind: 'extractive' }) });
    for (const q of ['roses', 'tomatoes', 'sun']) await run(t.answer, { question: q });
    expect((await t.history.load('chat:1')).map((h) => h.question)).toEqual(['tomatoes', 'sun']);
  });

  it('reports stage timings through the clock', async () => {
    const t = await setup({ reranker: new FakeReranker() });
    await run(t.answer, { question: 'prune roses' });
    expect(t.stages.map(([s]) => s)).toEqual(['embed', 'search', 'rerank', 'llm_ttft', 'llm_total']);
    // The fake clock moves 10 ms per reading: each stage takes at least one tick.
    expect(t.stages.every(([, ms]) => ms >= 10)).toBe(true);
  });

  it('turns an abort mid-stream into RagError cancelled and records no history', async () => {
    const t = await setup({ generator: new FakeGenerator({ delayMs: 10 }) });
    const controller = new AbortController();
    const seen: string[] = [];
    const consume = (async () => {
      for await (const e of t.answer({ ownerId: alice, chatKey: 'chat:1', question: 'prune roses', signal: controller.signal })) {
        seen.push(e.type);
        if (e.type === 'delta') controller.abort(new Error('stop'));
      }
    })();
    await expect(consume).rejects.toSatisfy((e) => isRagErrorCode(e, 'cancelled'));
    expect(seen).toEqual(['retrieved', 'delta']);
    expect(await t.history.load('chat:1')).toEqual([]);
  });

  it('rejects an empty question and restricts to fileIds', async () => {
    const t = await setup();
    await expect(run(t.answer, { question: '   ' })).rejects.toSatisfy((e) => isRagErrorCode(e, 'invalid_input'));
    const files = await t.store.listFiles(alice);
    const { answer } = await run(t.answer, { question: 'roses', fileIds: files.map((f) => f.fileId) });
    expect(t.store.queries.at(-1)!.fileIds).toEqual(files.map((f) => f.fileId));
    expect(answer.sources.length).toBeGreaterThan(0);
  });
});
