import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RagError } from '@docrag/domain';
import { MAX_TEXTS_PER_REQUEST } from '@docrag/ml-protocol';
import { runEmbedderContract } from '@docrag/testing';
import { MlApiEmbedder } from './ml-api-embedder';
import type { MlApiEmbedderOptions } from './ml-api-embedder';
import { MlApiReranker } from './ml-api-reranker';
import { startFakeMlApi } from '../test/fake-ml-api';
import type { FakeMlApi } from '../test/fake-ml-api';

let api: FakeMlApi;
beforeAll(async () => {
  api = await startFakeMlApi({ dimension: 8 });
});
afterAll(() => api.close());
beforeEach(() => {
  api.failures = [];
  api.dimension = 8;
  api.loadingFor = 0;
  api.apiKey = undefined;
  api.rerankOverride = undefined;
  api.embedOverride = undefined;
});

const fast = { backoff: { baseMs: 5, maxMs: 20 } };
const embedder = (over: Partial<MlApiEmbedderOptions> = {}) => new MlApiEmbedder({ baseUrl: api.url, ...fast, ...over });

async function failure(promise: Promise<unknown>): Promise<RagError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(RagError);
    return error as RagError;
  }
  throw new Error('expected a RagError');
}

runEmbedderContract('MlApiEmbedder (dense + sparse)', () => embedder());

describe('MlApiEmbedder', () => {
  it('describes the models from /health/ready', async () => {
    expect(await embedder().describe()).toEqual({ denseModel: 'fake-minilm', dimension: 8, sparseModel: 'bm25-fake-v1' });
    api.dimension = 0;
    expect(await embedder().describe()).toEqual({ sparseModel: 'bm25-fake-v1' });
  });

  it('waits while the ml-api is still loading', async () => {
    api.loadingFor = 2;
    expect((await embedder().describe()).dimension).toBe(8);
    expect(api.loadingFor).toBe(0);
  });

  it('gives up waiting for a loading ml-api after readyTimeoutMs', async () => {
    api.loadingFor = 1_000;
    const error = await failure(embedder({ readyTimeoutMs: 150 }).describe());
    expect(error.detail).toEqual({ code: 'dependency_unavailable', dependency: 'ml-api' });
    expect(error.message).toMatch(/still loading/);
  });

  it('splits 300 texts into protocol-sized batches and keeps the order', async () => {
    const texts = Array.from({ length: 300 }, (_, i) => `text number ${i} word${i}`);
    const before = api.calls.length;
    const out = await embedder().embed(texts, { kind: 'document' });
    const sizes = api.calls.slice(before).map((c) => (c.body as { texts: string[] }).texts.length);
    expect(sizes.sort((a, b) => b - a)).toEqual([MAX_TEXTS_PER_REQUEST, MAX_TEXTS_PER_REQUEST, 300 - 2 * MAX_TEXTS_PER_REQUEST]);
    const [alone] = await embedder().embed([texts[257]!], { kind: 'document' });
    expect(out[257]).toEqual(alone);
    expect(out).toHaveLength(300);
  });

  it('sends is_query for queries and the bearer key when configured', async () => {
    api.apiKey = 'secret';
    const before = api.calls.length;
    await embedder({ apiKey: 'secret' }).embed(['q'], { kind: 'query' });
    const call = api.calls[before]!;
    expect(call.body).toEqual({ texts: ['q'], is_query: true });
    expect(call.headers['authorization']).toBe('Bearer secret');
    expect(call.headers['content-type']).toBe('application/json');
  });

  it('adds the trace headers it is given to every attempt, read when each is sent', async () => {
    let n = 0;
    const traceHeaders = () => ({ traceparent: `00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333${n++}-01` });
    api.failures = [{ code: 'internal_error' }];
    const before = api.calls.length;
    await embedder({ traceHeaders }).embed(['q'], { kind: 'query' });
    const sent = api.calls.slice(before).map((call) => call.headers['traceparent']);
    expect(sent).toEqual(['00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203330-01', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01']);
    // A throwing injector costs the trace, never the request.
    const broken = () => {
      throw new Error('no propagator');
    };
    expect(await embedder({ traceHeaders: broken }).embed(['q'], { kind: 'query' })).toHaveLength(1);
  });

  it('reports a rejected key without retrying, naming ML_API_KEY', async () => {
    api.apiKey = 'secret';
    const before = api.calls.length;
    const error = await failure(embedder({ apiKey: 'wrong' }).embed(['q'], { kind: 'query' }));
    expect(error.code).toBe('dependency_unavailable');
    expect(error.message).toMatch(/ML_API_KEY/);
    expect(api.calls.length - before).toBe(1);
  });

  it('retries 503 overloaded honouring Retry-After, then succeeds', async () => {
    api.failures = [{ code: 'overloaded', retryAfter: '1' }];
    const before = api.calls.length;
    const out = await embedder().embed(['a b'], { kind: 'document' });
    expect(out).toHaveLength(1);
    const [first, second] = api.calls.slice(before);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  it('retries 429, 500 and dropped connections with back-off', async () => {
    api.failures = [{ status: 429 }, { code: 'internal_error' }, { drop: true }];
    const before = api.calls.length;
    await embedder().embed(['a'], { kind: 'document' });
    expect(api.calls.length - before).toBe(4);
  });

  it('fails fast on a Retry-After beyond maxRetryAfterMs, keeping retryAfterMs', async () => {
    api.failures = [{ code: 'overloaded', retryAfter: '60' }];
    const error = await failure(embedder().embed(['a'], { kind: 'document' }));
    expect(error.detail).toEqual({ code: 'dependency_unavailable', dependency: 'ml-api', retryAfterMs: 60_000 });
  });

  it('gives up after maxRetries', async () => {
    api.failures = Array.from({ length: 10 }, () => ({ code: 'not_ready' as const }));
    const before = api.calls.length;
    const error = await failure(embedder({ maxRetries: 2 }).embed(['a'], { kind: 'document' }));
    expect(error.code).toBe('dependency_unavailable');
    expect(api.calls.length - before).toBe(3);
  });

  it('maps 503 model_unavailable to model_unavailable, without retrying', async () => {
    api.failures = [{ code: 'model_unavailable' }];
    const before = api.calls.length;
    const error = await failure(embedder().embed(['a'], { kind: 'document' }));
    expect(error.detail).toEqual({ code: 'model_unavailable', capability: 'dense' });
    expect(api.calls.length - before).toBe(1);
  });

  it('maps a 400 to invalid_input with the server message, and checks empty texts before sending', async () => {
    api.failures = [{ code: 'too_many_texts' }];
    const error = await failure(embedder().embed(['a'], { kind: 'document' }));
    expect(error.detail).toEqual({ code: 'invalid_input', reason: 'ml-api rejected the request: too_many_texts: scripted too_many_texts' });
    const before = api.calls.length;
    const empty = await failure(embedder().embed(['a', '  '], { kind: 'document' }));
    expect(empty.detail).toEqual({ code: 'invalid_input', reason: 'text 1 to embed is empty' });
    expect(api.calls.length).toBe(before);
  });

  it('times out a slow answer', async () => {
    api.failures = [{ delayMs: 1_000 }];
    const error = await failure(embedder({ timeoutMs: 100 }).embed(['a'], { kind: 'document' }));
    expect(error.detail).toEqual({ code: 'timeout', dependency: 'ml-api', afterMs: 100 });
  });

  it('cancels a slow answer and a back-off when the signal aborts', async () => {
    api.failures = [{ delayMs: 1_000 }];
    let controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect((await failure(embedder().embed(['a'], { kind: 'document', signal: controller.signal }))).code).toBe('cancelled');

    api.failures = [{ code: 'overloaded', retryAfter: '5' }];
    controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    expect((await failure(embedder().embed(['a'], { kind: 'document', signal: controller.signal }))).code).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('rejects answers that break the protocol', async () => {
    api.embedOverride = (texts) => ({ embeddings: texts.slice(1).map(() => ({ sparse: { indices: [1], values: [1] } })), dimension: 8, model: { dense: null, sparse: 'x' }, usage: { tokens: 0 } });
    expect((await failure(embedder().embed(['a', 'b'], { kind: 'document' }))).message).toMatch(/1 embeddings for 2 texts/);
    api.embedOverride = () => ({ embeddings: 'nope' });
    expect((await failure(embedder().embed(['a'], { kind: 'document' }))).message).toMatch(/unexpected body: embeddings/);
    api.embedOverride = undefined;
    api.failures = [{ status: 502, raw: '<html>Bad gateway</html>' }, { status: 502, raw: '<html>Bad gateway</html>' }];
    expect((await embedder({ maxRetries: 2 }).embed(['a'], { kind: 'document' }))).toHaveLength(1);
  });

  it('maps an unreachable ml-api to dependency_unavailable', async () => {
    const error = await failure(new MlApiEmbedder({ baseUrl: 'http://127.0.0.1:9', maxRetries: 1, ...fast }).embed(['a'], { kind: 'document' }));
    expect(error.detail).toEqual({ code: 'dependency_unavailable', dependency: 'ml-api' });
    expect(error.message).toMatch(/unreachable at http:\/\/127\.0\.0\.1:9/);
  });

  it('names ML_API_URL when it is not a URL', () => {
    expect(() => new MlApiEmbedder({ baseUrl: 'localhost:8000' })).toThrow(/ML_API_URL/);
    expect(() => new MlApiEmbedder({ baseUrl: 'not a url' })).toThrow(/ML_API_URL/);
  });
});

describe('MlApiReranker', () => {
  const reranker = () => new MlApiReranker({ baseUrl: api.url, ...fast });

  it('returns results best first, limited to topK', async () => {
    const out = await reranker().rerank('cats purr', ['dogs bark', 'cats purr loudly', 'cats sleep'], { topK: 2 });
    expect(out.map((r) => r.index)).toEqual([1, 2]);
    expect(out[0]!.score).toBeGreaterThan(out[1]!.score);
    expect(await reranker().rerank('q', [])).toEqual([]);
  });

  it('scores more documents than one request allows in slices and merges them', async () => {
    const docs = Array.from({ length: 230 }, (_, i) => (i === 170 ? 'needle needle haystack' : i === 20 ? 'needle hay' : `hay ${i}`));
    const before = api.calls.length;
    const out = await reranker().rerank('needle', docs, { topK: 3 });
    expect(api.calls.length - before).toBe(3);
    expect(out.map((r) => r.index).slice(0, 2)).toEqual([170, 20]);
    expect(out).toHaveLength(3);
  });

  it('maps a missing reranker model to model_unavailable(rerank)', async () => {
    api.failures = [{ code: 'model_unavailable' }];
    const error = await failure(reranker().rerank('q', ['d']));
    expect(error.detail).toEqual({ code: 'model_unavailable', capability: 'rerank' });
  });

  it('remembers model_unavailable for a while instead of asking on every question, then asks again', async () => {
    let now = 1_000;
    const remembering = new MlApiReranker({ baseUrl: api.url, ...fast, unavailableRecheckMs: 30_000, now: () => now });
    api.failures = [{ code: 'model_unavailable' }];
    const before = api.calls.length;
    expect((await failure(remembering.rerank('q', ['d']))).detail).toEqual({ code: 'model_unavailable', capability: 'rerank' });
    now += 29_000;
    expect((await failure(remembering.rerank('q', ['d']))).detail).toEqual({ code: 'model_unavailable', capability: 'rerank' });
    expect(api.calls.length - before).toBe(1);
    // Past the window the ml-api is asked again; it has a reranker now.
    now += 2_000;
    expect(await remembering.rerank('cats', ['dogs', 'cats'])).toHaveLength(2);
    expect(api.calls.length - before).toBe(2);
  });

  it('does not remember other failures, and 0 turns the memory off', async () => {
    const always = new MlApiReranker({ baseUrl: api.url, ...fast, unavailableRecheckMs: 0 });
    api.failures = [{ code: 'model_unavailable' }];
    await failure(always.rerank('q', ['d']));
    expect(await always.rerank('cats', ['dogs', 'cats'])).toHaveLength(2);
  });

  it('rejects out-of-range indices from the server', async () => {
    api.rerankOverride = () => ({ results: [{ index: 5, score: 1 }], model: 'x' });
    expect((await failure(reranker().rerank('q', ['d']))).message).toMatch(/index 5 for 1 documents/);
  });
});
