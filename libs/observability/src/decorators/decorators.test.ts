import { OwnerId } from '@docrag/domain';
import { FakeEmbedder, FakeGenerator, FakeReranker, InMemoryVectorStore, makeFixtureFile } from '@docrag/testing';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBotMetrics } from '../bot-metrics';
import { registerInMemoryTracing, type InMemoryTracing } from '../in-memory-tracing';
import { createMetricsRegistry } from '../registry';
import { withSpan } from '../tracing';
import { traceEmbedder } from './embedder';
import { traceGenerator } from './generator';
import { traceReranker } from './reranker';
import { traceVectorStore } from './vector-store';

let tracing: InMemoryTracing;
beforeAll(() => {
  tracing = registerInMemoryTracing();
});
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.reset());

const SECRET = 'the-secret-question-text';

function allAttributeText(): string {
  return JSON.stringify(tracing.spans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })));
}

describe('port decorators', () => {
  it('traces embeddings as a GenAI client span, without the texts', async () => {
    const embedder = traceEmbedder(new FakeEmbedder({ dimension: 8 }), { model: 'bge-small', serverAddress: '127.0.0.1' });
    await withSpan('parent', {}, () => embedder.embed([SECRET, 'b'], { kind: 'query' }));
    const span = tracing.spans().find((s) => s.name === 'embeddings bge-small')!;
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.request.model': 'bge-small',
      'gen_ai.embeddings.dimension.count': 8,
      'docrag.embed.inputs': 2,
      'docrag.embed.kind': 'query',
    });
    const parent = tracing.spans().find((s) => s.name === 'parent')!;
    expect(span.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(allAttributeText()).not.toContain(SECRET);
  });

  it('marks a failing embed call as an error and rethrows it', async () => {
    const embedder = traceEmbedder(new FakeEmbedder({ failWith: new Error('down') }), { model: 'm' });
    await expect(embedder.embed(['x'], { kind: 'query' })).rejects.toThrow('down');
    const span = tracing.spans()[0]!;
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('Error');
  });

  it('traces store queries as `retrieval <collection>` with db attributes', async () => {
    const owner = OwnerId.user(1);
    const file = makeFixtureFile({ ownerId: owner, fileName: 'a.md', parents: [['alpha beta', 'gamma delta']] });
    const inner = new InMemoryVectorStore();
    const store = traceVectorStore(inner, { system: 'sqlite', collection: 'docrag' });
    await store.ensureReady({ dimension: 16 });
    await store.upsert({ chunks: file.chunks, parents: file.parents });
    const results = await store.query({ ownerId: owner, sparse: file.chunks[0]!.embedding.sparse, limit: 5 });
    const query = tracing.spans().find((s) => s.name === 'retrieval docrag')!;
    expect(query.attributes).toMatchObject({
      'db.system.name': 'sqlite',
      'db.collection.name': 'docrag',
      'db.operation.name': 'query',
      'docrag.retrieval.mode': 'sparse',
      'db.response.returned_rows': results.length,
    });
    expect(tracing.spans().map((s) => s.name)).toEqual(['ensure_ready docrag', 'upsert docrag', 'retrieval docrag']);
    expect(allAttributeText()).not.toContain('user:1');
  });

  it('traces rerank calls', async () => {
    const reranker = traceReranker(new FakeReranker(), { model: 'bge-reranker' });
    await reranker.rerank(SECRET, ['a', 'b', 'c'], { topK: 2 });
    expect(tracing.spans()[0]!.name).toBe('rerank');
    expect(tracing.spans()[0]!.attributes).toMatchObject({ 'docrag.rerank.documents': 3, 'docrag.rerank.top_k': 2 });
    expect(allAttributeText()).not.toContain(SECRET);
  });

  it('traces a streamed chat with GenAI usage attributes and counts tokens', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const metrics = createBotMetrics(registry);
    const generator = traceGenerator(new FakeGenerator({ model: 'gpt-4o-mini', script: ['Hello ', 'world'] }), { provider: 'openai', metrics });
    let text = '';
    for await (const event of generator.generate({ messages: [{ role: 'user', content: SECRET }], sources: [], question: SECRET, maxTokens: 100 })) {
      if (event.type === 'delta') text += event.text;
    }
    expect(text).toBe('Hello world');
    const span = tracing.spans().find((s) => s.name === 'chat gpt-4o-mini')!;
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.request.max_tokens': 100,
      'gen_ai.response.finish_reasons': ['stop'],
    });
    expect(typeof span.attributes['gen_ai.usage.input_tokens']).toBe('number');
    expect(typeof span.attributes['gen_ai.usage.output_tokens']).toBe('number');
    expect(typeof span.attributes['docrag.llm.time_to_first_token_ms']).toBe('number');
    expect(allAttributeText()).not.toContain(SECRET);
    expect(await registry.metrics()).toMatch(/llm_tokens_total\{model="gpt-4o-mini",kind="output"\} [1-9]/);
  });

  it('records message content only when enabled', async () => {
    const generator = traceGenerator(new FakeGenerator({ model: 'm', script: ['ok'] }), { provider: 'openai', captureMessageContent: true });
    for await (const _event of generator.generate({ messages: [{ role: 'user', content: SECRET }], sources: [], question: SECRET })) {
      // drain
    }
    expect(allAttributeText()).toContain(SECRET);
  });

  it('ends the chat span when the consumer stops early, and records stream failures', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const metrics = createBotMetrics(registry);
    const early = traceGenerator(new FakeGenerator({ model: 'm', script: ['a', 'b', 'c'] }), { provider: 'openai' });
    for await (const _event of early.generate({ messages: [], sources: [], question: 'q' })) break;
    expect(tracing.spans().map((s) => s.name)).toEqual(['chat m']);

    const failing = traceGenerator(new FakeGenerator({ model: 'm', script: ['a', 'b'], failAfterDeltas: 1, failWith: new Error('llm down') }), { provider: 'openai', metrics });
    await expect(async () => {
      for await (const _event of failing.generate({ messages: [], sources: [], question: 'q' })) {
        // drain
      }
    }).rejects.toThrow();
    const failed = tracing.spans()[1]!;
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(await registry.metrics()).toMatch(/llm_errors_total\{type="[^"]+"\} 1/);
  });
});
