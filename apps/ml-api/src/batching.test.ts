/**
 * Dynamic batching through the HTTP API: results are bit-identical to one-at-a-time inference,
 * a full queue answers 503 overloaded with Retry-After, and a request whose client disconnected
 * never reaches the model.
 */
import { serve, type ServerType } from '@hono/node-server';
import type { EmbeddingModel, Encoded } from '@docrag/onnx';
import { createMetricsRegistry, createMlApiMetrics, injectTraceHeaders, registerInMemoryTracing, withSpan } from '@docrag/observability';
import { embedResponseSchema, mlErrorBodySchema, rerankResponseSchema } from '@docrag/ml-protocol';
import { createBm25SparseEncoder } from '@docrag/sparse';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from './config';
import { EmbedService } from './inference/embed-service';
import { createApp, type ServiceState } from './server';
import { loadModels, makeReady, type LoadedModels } from './startup';

const fixtures = inject('onnxFixtures');
const env = { EMBED_MODEL_DIR: fixtures.embedder.dir, RERANK_MODEL_DIR: fixtures.reranker.dir, ML_DEVICE: 'cpu', ORT_INTRA_OP_THREADS: '2' };

const texts = Array.from({ length: 24 }, (_, i) => `document ${i}: ${'retrieval augmented generation '.repeat(1 + (i % 7))}${i % 3 === 0 ? 'with a tail' : ''}`);
const documents = Array.from({ length: 12 }, (_, i) => `passage ${i} ${'about capitals and countries '.repeat(1 + (i % 5))}`);

let models: LoadedModels;
beforeAll(async () => {
  models = await loadModels(loadConfig(env), { log: () => undefined });
});
afterAll(async () => {
  await models.embed?.release();
  await models.rerank?.release();
});

function appWith(extra: Record<string, string>) {
  const config = loadConfig({ ...env, ...extra });
  const registry = createMetricsRegistry({ defaultMetrics: false });
  const state: ServiceState = { status: 'loading', notes: [] };
  makeReady(state, config, models, createMlApiMetrics(registry));
  return { app: createApp({ state, version: 'test', maxBodyBytes: config.MAX_BODY_BYTES, retryAfterSeconds: 1 }), registry };
}

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function batchCount(registry: ReturnType<typeof createMetricsRegistry>, task: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'ml_batch_size');
  const values = (metric?.values ?? []) as { metricName?: string; labels: Record<string, unknown>; value: number }[];
  return values.find((v) => v.metricName === 'ml_batch_size_count' && v.labels['task'] === task)?.value ?? 0;
}

describe('batching equivalence', () => {
  it('embeds concurrent requests in shared batches with results bit-identical to one-at-a-time', async () => {
    const batched = appWith({ EMBED_MAX_BATCH_SIZE: '32', EMBED_MAX_WAIT_MS: '20' });
    const single = appWith({ EMBED_MAX_BATCH_SIZE: '1', EMBED_MAX_WAIT_MS: '0' });
    const together = await Promise.all(texts.map(async (t) => embedResponseSchema.parse(await (await batched.app.request('/embed', json({ text: t }))).json())));
    const alone = [];
    for (const t of texts) alone.push(embedResponseSchema.parse(await (await single.app.request('/embed', json({ text: t }))).json()));
    expect(together.map((r) => r.embeddings[0]!.dense)).toEqual(alone.map((r) => r.embeddings[0]!.dense));
    expect(together.map((r) => r.embeddings[0]!.sparse)).toEqual(alone.map((r) => r.embeddings[0]!.sparse));
    // It really batched: far fewer model runs than requests (and one run per text unbatched).
    expect(await batchCount(batched.registry, 'embed')).toBeLessThan(texts.length / 2);
    expect(await batchCount(single.registry, 'embed')).toBe(texts.length);
  });

  it('reranks concurrent requests in shared batches with identical scores', async () => {
    const batched = appWith({ RERANK_MAX_BATCH_SIZE: '16', RERANK_MAX_WAIT_MS: '20' });
    const single = appWith({ RERANK_MAX_BATCH_SIZE: '1', RERANK_MAX_WAIT_MS: '0' });
    const queries = ['capital of France', 'largest country', 'rivers'];
    const together = await Promise.all(queries.map(async (q) => rerankResponseSchema.parse(await (await batched.app.request('/rerank', json({ query: q, documents }))).json())));
    const alone = [];
    for (const q of queries) alone.push(rerankResponseSchema.parse(await (await single.app.request('/rerank', json({ query: q, documents }))).json()));
    expect(together).toEqual(alone);
    expect(await batchCount(batched.registry, 'rerank')).toBeLessThan(queries.length * documents.length);
  });
});

/** An embedding model that blocks on a gate and records what reached it. */
function gatedModel() {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const seen: string[] = [];
  const model: EmbeddingModel = {
    info: { name: 'gated', provider: 'cpu', maxLength: 16, dimension: 2, pooling: 'mean', loadSeconds: 0 },
    tokenize: (text) => ({ ids: [101, 102], typeIds: [0, 0], text }) as Encoded,
    embedBatch: async (encodings) => {
      seen.push(...encodings.map((e) => (e as Encoded & { text: string }).text));
      await gate;
      return encodings.map(() => [1, 0]);
    },
    release: async () => undefined,
  };
  return { model, seen, release };
}

function gatedApp(maxQueueItems: number) {
  const gated = gatedModel();
  const embed = new EmbedService(gated.model, createBm25SparseEncoder(), { maxBatchSize: 2, maxBatchTokens: 1000, maxWaitMs: 0, maxQueueItems, queueTimeoutMs: 0, retryAfterSeconds: 7 });
  const state: ServiceState = { status: 'ready', embed, notes: [] };
  return { ...gated, embed, app: createApp({ state, version: 'test', maxBodyBytes: 65536, retryAfterSeconds: 7 }) };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}

describe('backpressure', () => {
  it('answers 503 overloaded with Retry-After when the queue is full, and serves the rest', async () => {
    const { app, embed, release, seen } = gatedApp(4);
    const first = app.request('/embed', json({ texts: ['a', 'b'] })); // runs, blocked on the gate
    await until(() => seen.length === 2);
    const second = app.request('/embed', json({ texts: ['c', 'd', 'e', 'f'] })); // fills the queue
    await until(() => embed.depth === 4);
    const refused = await app.request('/embed', json({ text: 'g' }));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('7');
    expect(mlErrorBodySchema.parse(await refused.json()).error.code).toBe('overloaded');
    release();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });
});

describe('client disconnect', () => {
  let server: ServerType;
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('drops a queued request whose client went away before inference', async () => {
    const { app, embed, release, seen } = gatedApp(100);
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const first = fetch(`${base}/embed`, json({ texts: ['kept-1', 'kept-2'] }));
    await until(() => seen.length === 2);
    const controller = new AbortController();
    const gone = fetch(`${base}/embed`, { ...json({ texts: ['gone-1', 'gone-2'] }), signal: controller.signal }).catch((e: unknown) => e);
    await until(() => embed.depth === 2);
    controller.abort();
    await gone;
    await until(() => embed.depth === 0);
    release();
    expect((await first).status).toBe(200);
    await embed.idle();
    expect(seen).toEqual(['kept-1', 'kept-2']);
  });
});

describe('tracing', () => {
  it('runs each batch in its own span linked to every request it served', async () => {
    const tracing = registerInMemoryTracing();
    try {
      const { app } = appWith({ EMBED_MAX_BATCH_SIZE: '32', EMBED_MAX_WAIT_MS: '30' });
      const traceIds = await Promise.all(
        ['first request', 'second request'].map((text) =>
          withSpan('client request', {}, async (span) => {
            // The caller's trace crosses the hop in the W3C traceparent header, as the bot's fetch sends it.
            const request = json({ text });
            const headers = injectTraceHeaders({ ...request.headers });
            expect((await app.request('/embed', { ...request, headers })).status).toBe(200);
            return span.spanContext().traceId;
          }),
        ),
      );
      const batch = tracing.spans().find((span) => span.name === 'ml.embed.batch');
      expect(batch).toBeDefined();
      expect(batch!.attributes['docrag.batch.size']).toBe(2);
      expect(batch!.links.map((link) => link.context.traceId).sort()).toEqual([...traceIds].sort());
      expect(traceIds).not.toContain(batch!.spanContext().traceId);
    } finally {
      await tracing.shutdown();
    }
  });
});
