import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateRequest, GenerationEvent, Generator } from '@docrag/domain';
import { isRagErrorCode, RagError } from '@docrag/domain';
import { OpenAiGenerator } from './openai-generator';
import type { OpenAiGeneratorOptions } from './openai-generator';
import { startFakeOpenAiServer } from '../test/fake-openai-server';
import type { FakeOpenAiServer } from '../test/fake-openai-server';

let server: FakeOpenAiServer;
beforeAll(async () => {
  server = await startFakeOpenAiServer();
});
afterAll(() => server.close());

const request = (over: Partial<GenerateRequest> = {}): GenerateRequest => ({
  messages: [
    { role: 'system', content: 'Answer from the sources.' },
    { role: 'user', content: 'What is BM25?' },
  ],
  sources: [],
  question: 'What is BM25?',
  ...over,
});

function generator(over: Partial<OpenAiGeneratorOptions> = {}): OpenAiGenerator {
  return new OpenAiGenerator({
    apiKey: 'sk-test',
    baseURL: server.baseURL,
    model: 'gpt-test',
    maxTokens: 256,
    timeoutMs: 2_000,
    backoff: { baseMs: 10, maxMs: 40 },
    ...over,
  });
}

async function collect(gen: Generator, req: GenerateRequest): Promise<GenerationEvent[]> {
  const events: GenerationEvent[] = [];
  for await (const event of gen.generate(req)) events.push(event);
  return events;
}

async function failure(promise: Promise<unknown>): Promise<RagError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(RagError);
    return error as RagError;
  }
  throw new Error('expected a RagError');
}

describe('OpenAiGenerator', () => {
  it('streams deltas in order and ends with one done carrying model and usage', async () => {
    server.script([{ kind: 'stream', deltas: ['BM25 ', 'ranks ', 'by term [Source 1].'], usage: { prompt: 42, completion: 7 } }]);
    const before = server.requests.length;
    const events = await collect(generator(), request());
    const deltas = events.filter((e) => e.type === 'delta').map((e) => (e.type === 'delta' ? e.text : ''));
    expect(deltas).toEqual(['BM25 ', 'ranks ', 'by term [Source 1].']);
    expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'stop', model: 'gpt-test', usage: { inputTokens: 42, outputTokens: 7 } });
    expect(events.filter((e) => e.type === 'done')).toHaveLength(1);

    const sent = server.requests[before]!;
    expect(sent).toMatchObject({ model: 'gpt-test', stream: true, stream_options: { include_usage: true }, max_tokens: 256 });
    expect(sent['messages']).toEqual(request().messages);
    expect(server.headers[before]!['authorization']).toBe('Bearer sk-test');
  });

  it('caps a request for more tokens at LLM_MAX_TOKENS and passes temperature', async () => {
    server.script([{ kind: 'stream', deltas: ['ok'] }]);
    const before = server.requests.length;
    await collect(generator(), request({ maxTokens: 10_000, temperature: 0.1 }));
    expect(server.requests[before]).toMatchObject({ max_tokens: 256, temperature: 0.1 });
  });

  it('reports finish_reason length when the answer hit max_tokens', async () => {
    server.script([{ kind: 'stream', deltas: ['cut'], finishReason: 'length' }]);
    const events = await collect(generator(), request());
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'length' });
  });

  it('waits out a 429 retry-after, then streams the answer', async () => {
    server.script([
      { kind: 'error', status: 429, headers: { 'retry-after': '1' } },
      { kind: 'stream', deltas: ['after the wait'] },
    ]);
    const before = server.arrivals.length;
    const events = await collect(generator(), request());
    expect(events[0]).toEqual({ type: 'delta', text: 'after the wait' });
    const [first, second] = server.arrivals.slice(before);
    expect(second! - first!).toBeGreaterThanOrEqual(950);
  });

  it('does not hold the answer for a long retry-after: rate_limited with retryAfterMs', async () => {
    server.script([{ kind: 'error', status: 429, headers: { 'retry-after': '120' } }]);
    const before = server.requests.length;
    const error = await failure(collect(generator(), request()));
    expect(isRagErrorCode(error, 'rate_limited') && error.detail).toEqual({ code: 'rate_limited', dependency: 'llm', retryAfterMs: 120_000 });
    expect(server.requests.length - before).toBe(1);
  });

  it('retries 5xx with back-off and succeeds', async () => {
    server.script([
      { kind: 'error', status: 502 },
      { kind: 'error', status: 503 },
      { kind: 'stream', deltas: ['third time'] },
    ]);
    const before = server.requests.length;
    const events = await collect(generator(), request());
    expect(events[0]).toEqual({ type: 'delta', text: 'third time' });
    expect(server.requests.length - before).toBe(3);
  });

  it('gives up after maxRetries 500s with dependency_unavailable and no stack in the message', async () => {
    server.script([{ kind: 'error', status: 500 }]);
    const before = server.requests.length;
    const error = await failure(collect(generator({ maxRetries: 2 }), request()));
    expect(error.detail).toEqual({ code: 'dependency_unavailable', dependency: 'llm' });
    expect(error.message).not.toMatch(/\n\s+at /);
    expect(server.requests.length - before).toBe(3);
  });

  it('does not retry a rejected key or an unknown model', async () => {
    server.script([{ kind: 'error', status: 401 }]);
    let before = server.requests.length;
    expect((await failure(collect(generator(), request()))).code).toBe('dependency_unavailable');
    expect(server.requests.length - before).toBe(1);

    server.script([{ kind: 'error', status: 404, body: { error: { message: 'model not found' } } }]);
    before = server.requests.length;
    const error = await failure(collect(generator(), request()));
    expect(error.detail).toEqual({ code: 'model_unavailable', capability: 'generate' });
    expect(server.requests.length - before).toBe(1);

    server.script([{ kind: 'error', status: 400, body: { error: { message: 'context length exceeded' } } }]);
    expect((await failure(collect(generator(), request()))).code).toBe('invalid_input');
  });

  it('switches to max_completion_tokens when the server refuses max_tokens, and drops stream_options when refused', async () => {
    server.script([
      { kind: 'error', status: 400, body: { error: { message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", type: 'invalid_request_error', param: 'max_tokens' } } },
      { kind: 'error', status: 400, body: { error: { message: 'Unrecognized request argument supplied: stream_options' } } },
      { kind: 'stream', deltas: ['adapted'] },
    ]);
    const gen = generator({ maxRetries: 0 });
    const before = server.requests.length;
    const events = await collect(gen, request());
    expect(events[0]).toEqual({ type: 'delta', text: 'adapted' });
    const [first, second, third] = server.requests.slice(before);
    expect(first).toMatchObject({ max_tokens: 256, stream_options: { include_usage: true } });
    expect(second).toMatchObject({ max_completion_tokens: 256 });
    expect(second).not.toHaveProperty('max_tokens');
    expect(third).not.toHaveProperty('stream_options');
    // Learnt once: the next request goes out in the accepted form straight away.
    server.script([{ kind: 'stream', deltas: ['again'] }]);
    await collect(gen, request());
    expect(server.requests.at(-1)).toMatchObject({ max_completion_tokens: 256 });
    expect(server.requests.at(-1)).not.toHaveProperty('stream_options');
  });

  it('times out when the server sends no headers within HTTP_TIMEOUT', async () => {
    server.script([{ kind: 'hang' }]);
    const started = Date.now();
    const error = await failure(collect(generator({ timeoutMs: 150, maxRetries: 0 }), request()));
    expect(error.detail).toEqual({ code: 'timeout', dependency: 'llm', afterMs: 150 });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('times out when the stream goes silent mid-answer, after the text already streamed', async () => {
    server.script([{ kind: 'stream', deltas: ['one ', 'two ', 'three'], stallAfter: 1 }]);
    const seen: string[] = [];
    const error = await failure(
      (async () => {
        for await (const event of generator({ timeoutMs: 200 }).generate(request())) if (event.type === 'delta') seen.push(event.text);
      })(),
    );
    expect(seen).toEqual(['one ']);
    expect(error.code).toBe('timeout');
  });

  it('stops the HTTP stream promptly when the signal aborts', async () => {
    server.script([{ kind: 'stream', deltas: Array.from({ length: 50 }, (_, i) => `w${i} `), delayMs: 40 }]);
    const closedBefore = server.closedEarly;
    const controller = new AbortController();
    const seen: string[] = [];
    const error = await failure(
      (async () => {
        for await (const event of generator().generate(request({ signal: controller.signal }))) {
          if (event.type === 'delta') seen.push(event.text);
          if (seen.length === 2) controller.abort();
        }
      })(),
    );
    expect(error.code).toBe('cancelled');
    expect(seen.length).toBeLessThan(5);
    await expect.poll(() => server.closedEarly).toBeGreaterThan(closedBefore);
  });

  it('stops waiting out a retry when the signal aborts', async () => {
    server.script([{ kind: 'error', status: 429, headers: { 'retry-after': '10' } }]);
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    const error = await failure(collect(generator({ maxRetryAfterMs: 30_000 }), request({ signal: controller.signal })));
    expect(error.code).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('maps a refused connection to dependency_unavailable', async () => {
    const gen = generator({ baseURL: 'http://127.0.0.1:9/v1', maxRetries: 1 });
    const error = await failure(collect(gen, request()));
    expect(error.detail).toEqual({ code: 'dependency_unavailable', dependency: 'llm' });
  });

  it('rejects bad options with a message that names the variable', () => {
    expect(() => generator({ apiKey: '' })).toThrow(/OPENAI_API_KEY/);
    expect(() => generator({ maxTokens: 0 })).toThrow(/LLM_MAX_TOKENS/);
    expect(() => generator({ timeoutMs: 0 })).toThrow(/HTTP_TIMEOUT/);
  });
});
