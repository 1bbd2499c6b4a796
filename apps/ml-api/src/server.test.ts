import { createMetricsRegistry, createMlApiMetrics } from '@docrag/observability';
import {
  MAX_RERANK_DOCUMENTS,
  MAX_TEXTS_PER_REQUEST,
  decodeFloat32Base64,
  embedResponseSchema,
  healthResponseSchema,
  mlErrorBodySchema,
  openAiEmbeddingsResponseSchema,
  rerankResponseSchema,
  type MlErrorCode,
} from '@docrag/ml-protocol';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig, type Config } from './config';
import { createApp, type ServiceState } from './server';
import { loadModels, makeReady, type LoadedModels } from './startup';

const fixtures = inject('onnxFixtures');

function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    EMBED_MODEL_DIR: fixtures.embedder.dir,
    RERANK_MODEL_DIR: fixtures.reranker.dir,
    ML_DEVICE: 'cpu',
    ORT_INTRA_OP_THREADS: '1',
    LOG_LEVEL: 'silent',
    ...env,
  });
}

const log = () => undefined;
let models: LoadedModels;
let app: Hono;
let state: ServiceState;
const registry = createMetricsRegistry({ defaultMetrics: false });

beforeAll(async () => {
  const config = testConfig({ MAX_BODY_BYTES: '65536' });
  models = await loadModels(config, { log });
  state = { status: 'loading', notes: [] };
  const metrics = createMlApiMetrics(registry);
  makeReady(state, config, models, metrics);
  app = createApp({ state, version: 'test', maxBodyBytes: config.MAX_BODY_BYTES, retryAfterSeconds: 2, metrics });
});
afterAll(async () => {
  await models.embed?.release();
  await models.rerank?.release();
});

function post(target: Hono, path: string, body: unknown, headers: Record<string, string> = {}) {
  return target.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function expectError(response: Response, status: number, code: MlErrorCode): Promise<string> {
  expect(response.status).toBe(status);
  const body = mlErrorBodySchema.parse(await response.json());
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(5);
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/); // never a stack trace
  return body.error.message;
}

describe('POST /embed', () => {
  it('accepts the single `text` form and returns dense + sparse', async () => {
    const res = await post(app, '/embed', { text: 'Hello world!' });
    expect(res.status).toBe(200);
    const body = embedResponseSchema.parse(await res.json());
    expect(body.embeddings).toHaveLength(1);
    expect(body.dimension).toBe(32);
    expect(body.embeddings[0]!.dense).toHaveLength(32);
    expect(body.embeddings[0]!.sparse.indices.length).toBeGreaterThan(0);
    expect(body.model).toEqual({ dense: 'all-MiniLM-L6-v2', sparse: 'bm25-english-v1' });
    expect(body.usage.tokens).toBe(5);
  });

  it('accepts the batch `texts` form; is_query switches the sparse side to unit weights', async () => {
    const doc = embedResponseSchema.parse(await (await post(app, '/embed', { texts: ['cats chase cats', 'dogs'] })).json());
    const query = embedResponseSchema.parse(await (await post(app, '/embed', { texts: ['cats chase cats', 'dogs'], is_query: true })).json());
    expect(doc.embeddings).toHaveLength(2);
    expect(query.embeddings[0]!.sparse.values.every((v) => v === 1)).toBe(true);
    expect(doc.embeddings[0]!.sparse.values).not.toEqual(query.embeddings[0]!.sparse.values);
    expect(doc.embeddings[0]!.dense).toEqual(query.embeddings[0]!.dense);
  });

  it('answers each bad input with a 4xx, a code and a message', async () => {
    await expectError(await post(app, '/embed', { texts: [] }), 400, 'empty_input');
    await expectError(await post(app, '/embed', { texts: ['ok', ''] }), 400, 'empty_input');
    await expectError(await post(app, '/embed', {}), 400, 'empty_input');
    const tooMany = await expectError(await post(app, '/embed', { texts: Array(MAX_TEXTS_PER_REQUEST + 1).fill('x') }), 400, 'too_many_texts');
    expect(tooMany).toContain(`${MAX_TEXTS_PER_REQUEST + 1}`);
    await expectError(await post(app, '/embed', { texts: 'not an array' }), 400, 'invalid_request');
    await expectError(await post(app, '/embed', { texts: [1, 2] }), 400, 'invalid_request');
    await expectError(await post(app, '/embed', { text: 'a', is_query: 'yes' }), 400, 'invalid_request');
    await expectError(await post(app, '/embed', '{"texts": ['), 400, 'invalid_request');
    await expectError(await post(app, '/embed', '[1,2]'), 400, 'invalid_request');
    await expectError(await post(app, '/embed', { texts: ['x'] }, { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
    const big = await expectError(await post(app, '/embed', { texts: ['x'.repeat(70_000)] }), 413, 'payload_too_large');
    expect(big).toContain('65536');
  });
});

describe('POST /rerank', () => {
  it('returns {index, score} best first, honouring top_k', async () => {
    const res = await post(app, '/rerank', { query: 'capital of France', documents: ['Paris is the capital.', 'Bananas.', 'France is in Europe.'], top_k: 2 });
    expect(res.status).toBe(200);
    const body = rerankResponseSchema.parse(await res.json());
    expect(body.results).toHaveLength(2);
    expect(body.results[0]!.score).toBeGreaterThanOrEqual(body.results[1]!.score);
    expect(body.model).toBe('ms-marco-MiniLM-L-12-v2');
    const all = rerankResponseSchema.parse(await (await post(app, '/rerank', { query: 'capital of France', documents: ['Paris is the capital.', 'Bananas.', 'France is in Europe.'] })).json());
    expect(all.results.map((r) => r.index).sort()).toEqual([0, 1, 2]);
    expect(all.results.slice(0, 2)).toEqual(body.results);
  });

  it('refuses more than 100 documents and malformed requests', async () => {
    await expectError(await post(app, '/rerank', { query: 'q', documents: Array(MAX_RERANK_DOCUMENTS + 1).fill('d') }), 400, 'too_many_documents');
    await expectError(await post(app, '/rerank', { query: 'q', documents: [] }), 400, 'empty_input');
    await expectError(await post(app, '/rerank', { query: 'q', documents: ['d'], top_k: -1 }), 400, 'invalid_request');
    await expectError(await post(app, '/rerank', { documents: ['d'] }), 400, 'invalid_request');
  });
});

describe('POST /v1/embeddings (OpenAI-compatible)', () => {
  it('returns float vectors, and base64 float32 that decodes to the same values', async () => {
    const float = openAiEmbeddingsResponseSchema.parse(await (await post(app, '/v1/embeddings', { input: ['one', 'two'], model: 'x' })).json());
    const base64 = openAiEmbeddingsResponseSchema.parse(await (await post(app, '/v1/embeddings', { input: ['one', 'two'], encoding_format: 'base64' })).json());
    expect(float.data).toHaveLength(2);
    expect(float.object).toBe('list');
    expect(float.usage.prompt_tokens).toBeGreaterThan(0);
    const decoded = decodeFloat32Base64(base64.data[1]!.embedding as string);
    expect(decoded).toEqual(float.data[1]!.embedding);
  });

  it('rejects a dimension it cannot produce', async () => {
    await expectError(await post(app, '/v1/embeddings', { input: 'x', dimensions: 64 }), 400, 'invalid_request');
    await expectError(await post(app, '/v1/embeddings', { input: [1, 2] }), 400, 'invalid_request');
  });
});

describe('health, routing, auth, metrics', () => {
  it('/health/ready reports models, dimension, provider and capabilities; /health is the same', async () => {
    const res = await app.request('/health/ready');
    expect(res.status).toBe(200);
    const body = healthResponseSchema.parse(await res.json());
    expect(body).toMatchObject({ status: 'ready', capabilities: { dense: true, sparse: true, rerank: true }, dimension: 32, provider: 'cpu' });
    expect(body.models.embed?.name).toBe('all-MiniLM-L6-v2');
    expect(healthResponseSchema.parse(await (await app.request('/health')).json()).status).toBe('ready');
    expect(await (await app.request('/health/live')).json()).toEqual({ status: 'live' });
  });

  it('answers unknown routes 404 and wrong methods 405', async () => {
    await expectError(await app.request('/nope'), 404, 'not_found');
    const res = await app.request('/embed');
    expect(res.headers.get('allow')).toBe('POST');
    await expectError(res, 405, 'method_not_allowed');
  });

  it('requires the bearer token on inference routes when ML_API_KEY is set', async () => {
    const secured = createApp({ state, version: 'test', maxBodyBytes: 65536, retryAfterSeconds: 1, apiKey: 's3cret' });
    await expectError(await post(secured, '/embed', { text: 'x' }), 401, 'unauthorized');
    await expectError(await post(secured, '/embed', { text: 'x' }, { authorization: 'Bearer wrong' }), 401, 'unauthorized');
    expect((await post(secured, '/embed', { text: 'x' }, { authorization: 'Bearer s3cret' })).status).toBe(200);
    expect((await post(secured, '/embed', { text: 'x' }, { authorization: 'bearer s3cret' })).status).toBe(200);
    expect((await secured.request('/health/ready')).status).toBe(200);
  });

  it('records request, batch and model metrics under the shared names', async () => {
    const text = await registry.metrics();
    expect(text).toMatch(/ml_request_duration_seconds_count\{route="\/embed",status="200"\} \d+/);
    expect(text).toMatch(/ml_request_duration_seconds_count\{route="\/embed",status="400"\} \d+/);
    expect(text).toMatch(/ml_batch_size_count\{task="embed"\} [1-9]/);
    expect(text).toMatch(/ml_batch_tokens_count\{task="rerank"\} [1-9]/);
    expect(text).toMatch(/ml_queue_wait_seconds_count\{task="embed"\} [1-9]/);
    expect(text).toContain('ml_ready 1');
    expect(text).toMatch(/ml_rejected_requests_total\{task="embed",reason="too_large"\} [1-9]/);
    expect(text).toMatch(/ml_rejected_requests_total\{task="rerank",reason="too_large"\} [1-9]/);
  });
});

describe('with no model', () => {
  it('is ready with dense and rerank off, says why, and still returns sparse vectors', async () => {
    const config = testConfig({ MODEL_DIR: '/nonexistent', EMBED_MODEL_DIR: '', RERANK_MODEL_DIR: '' });
    const none = await loadModels(config, { log });
    const bare: ServiceState = { status: 'loading', notes: [] };
    makeReady(bare, config, none);
    const bareApp = createApp({ state: bare, version: 'test', maxBodyBytes: 65536, retryAfterSeconds: 1 });
    const health = healthResponseSchema.parse(await (await bareApp.request('/health/ready')).json());
    expect(health.capabilities).toEqual({ dense: false, sparse: true, rerank: false });
    expect(health.dimension).toBeNull();
    expect(health.notes.join('\n')).toMatch(/dense: no model.onnx in \/nonexistent\/all-MiniLM-L6-v2/);
    expect(health.notes.join('\n')).toMatch(/rerank: .*503 model_unavailable/);
    const embed = embedResponseSchema.parse(await (await post(bareApp, '/embed', { texts: ['sparse only please'] })).json());
    expect(embed.embeddings[0]!.dense).toBeUndefined();
    expect(embed.embeddings[0]!.sparse.indices.length).toBeGreaterThan(0);
    expect(embed.dimension).toBeNull();
    await expectError(await post(bareApp, '/rerank', { query: 'q', documents: ['d'] }), 503, 'model_unavailable');
    await expectError(await post(bareApp, '/v1/embeddings', { input: 'x' }), 503, 'model_unavailable');
  });

  it('answers 503 not_ready with Retry-After while loading', async () => {
    const loading = createApp({ state: { status: 'loading', notes: [] }, version: 'test', maxBodyBytes: 65536, retryAfterSeconds: 3 });
    const res = await post(loading, '/embed', { text: 'x' });
    expect(res.headers.get('retry-after')).toBe('3');
    await expectError(res, 503, 'not_ready');
    expect((await loading.request('/health/ready')).status).toBe(503);
    expect((await loading.request('/health/live')).status).toBe(200);
  });
});
