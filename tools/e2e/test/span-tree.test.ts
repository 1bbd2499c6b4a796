/**
 * One question, one trace: the bot's question path (domain use case, ml-client over HTTP, the
 * embedded store, the scripted LLM) and the real ml-api app, in process, with an in-memory span
 * exporter. Asserts the whole tree: telegram.update root -> embeddings client span -> ml-api server
 * span (same trace id, via the W3C traceparent the ml-api client sends) -> batch span linked back to the requests; the retrieval span with db attributes; rerank; the chat
 * span with GenAI attributes; the Telegram API call. And no message content anywhere.
 */
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { createHonoServerSpanMiddleware, createHttpInstrumentations, createMetricsRegistry, createMlApiMetrics, registerInMemoryTracing, type InMemoryTracing } from '@docrag/observability';
import { SpanKind, trace } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
// The cross-service test composes the real ml-api app in process (its composition pieces, not its
// main.ts); apps are not libraries, so the module-boundary rule is waived for these three imports only.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { loadConfig as loadMlApiConfig } from '../../../apps/ml-api/src/config';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createApp, type ServiceState } from '../../../apps/ml-api/src/server';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { loadModels, makeReady } from '../../../apps/ml-api/src/startup';
import { createBotSide, type BotSide } from './harness/bot-side';
import { workspaceRoot } from './harness/processes';

declare module 'vitest' {
  export interface ProvidedContext {
    onnxFixtures: { embedder: { dir: string }; reranker: { dir: string } };
  }
}

/** Whether ml-api source files wire a given observability helper (read, not imported). */
function mlApiUses(symbol: string, only?: string): boolean {
  const dir = path.join(workspaceRoot, 'apps/ml-api/src');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && (only === undefined || f === only),
  );
  return files.some((file) => readFileSync(path.join(dir, file), 'utf8').includes(symbol));
}

const SECRET = 'zebracorn';
// createApp (server.ts) is what the test serves; a middleware mounted in main.ts is mirrored below.
const mlApiServerSpans = mlApiUses('createHonoServerSpanMiddleware', 'server.ts');
const mlApiBatchSpans = mlApiUses('withBatchSpan');

let tracing: InMemoryTracing;
let unregister: () => void;
let server: ServerType;
let bot: BotSide;
let dir: string;
let spans: ReadableSpan[];

beforeAll(async () => {
  tracing = registerInMemoryTracing();
  // The production instrumentations. The bot leaves the ml-api origin out of them (main.ts), and
  // the ml-api client sends traceparent itself; both are registered below once the URL is known.
  dir = mkdtempSync(path.join(tmpdir(), 'e2e-trace-'));
  const fixtures = inject('onnxFixtures');
  const config = loadMlApiConfig({
    EMBED_MODEL_DIR: fixtures.embedder.dir,
    RERANK_MODEL_DIR: fixtures.reranker.dir,
    MODEL_DIR: path.join(dir, 'models'),
    MODEL_WARMUP: 'false',
  });
  const metrics = createMlApiMetrics(createMetricsRegistry({ defaultMetrics: false }));
  const state: ServiceState = { status: 'loading', notes: [] };
  makeReady(state, config, await loadModels(config, { log: () => undefined, metrics }), metrics);
  const app = createApp({ state, version: 'e2e', maxBodyBytes: config.MAX_BODY_BYTES, retryAfterSeconds: config.RETRY_AFTER_SECONDS, metrics });
  // Until apps/ml-api opens its own server spans, the test mounts the middleware in front of the app,
  // exactly as its main.ts is expected to (see docs/observability.md).
  const fetchHandler = mlApiServerSpans ? app.fetch : new Hono().use(createHonoServerSpanMiddleware()).route('/', app).fetch;
  server = serve({ fetch: fetchHandler, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const port = (server.address() as AddressInfo).port;

  const mlApiUrl = `http://127.0.0.1:${port}`;
  unregister = registerInstrumentations({ instrumentations: createHttpInstrumentations({ untracedUrls: [mlApiUrl] }), tracerProvider: trace.getTracerProvider() });
  bot = await createBotSide({ dataDir: dir, mlApiUrl });
  await bot.ingest('policy.md', `# Refunds\n\nThe ${SECRET} refund window is 30 days from purchase.\n\n# Shipping\n\nExpress shipping arrives next day.`);
  tracing.reset();
  await bot.ask(`How long is the ${SECRET} refund window?`);
  spans = tracing.spans();
}, 120_000);

afterAll(async () => {
  await bot?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  unregister?.();
  await tracing?.shutdown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const byName = (name: string | RegExp) => spans.filter((s) => (typeof name === 'string' ? s.name === name : name.test(s.name)));
const one = (name: string | RegExp) => {
  const found = byName(name);
  expect(found.map((s) => s.name), `exactly one span named ${String(name)} in ${spans.map((s) => s.name).join(', ')}`).toHaveLength(1);
  return found[0]!;
};
const parentOf = (span: ReadableSpan) => spans.find((s) => s.spanContext().spanId === span.parentSpanContext?.spanId);

describe('one question, one trace', () => {
  it('has a single telegram.update root with update and chat type only', () => {
    const root = one('telegram.update');
    expect(root.parentSpanContext).toBeUndefined();
    expect(root.attributes).toMatchObject({ 'telegram.update.type': 'message', 'telegram.chat.type': 'private' });
    // Every span belongs to the question's trace, except ml-api batches: those start their own trace
    // (a batch serves many requests) and link back to the requests.
    const batchTraces = new Set(spans.filter((s) => s.parentSpanContext === undefined && s.links.length > 0).map((s) => s.spanContext().traceId));
    const question = spans.filter((s) => !batchTraces.has(s.spanContext().traceId));
    expect(new Set(question.map((s) => s.spanContext().traceId))).toEqual(new Set([root.spanContext().traceId]));
    expect(question.length).toBeGreaterThanOrEqual(9);
  });

  it('embeds the query in an embeddings client span whose HTTP call continues into the ml-api server span', () => {
    const root = one('telegram.update');
    const embeddings = one(/^embeddings /);
    expect(embeddings.attributes).toMatchObject({ 'gen_ai.operation.name': 'embeddings', 'docrag.embed.kind': 'query' });
    expect(parentOf(embeddings)).toBe(root);
    const server = one('POST /embed');
    expect(server.spanContext().traceId).toBe(root.spanContext().traceId);
    // The embeddings span is the client side of the hop: the ml-api client sends its traceparent.
    expect(parentOf(server)).toBe(embeddings);
    expect(embeddings.kind).toBe(SpanKind.CLIENT);
    // No generic HTTP client span duplicates it.
    expect(spans.filter((s) => s.instrumentationScope.name === '@opentelemetry/instrumentation-undici')).toEqual([]);
  });

  it('searches the embedded store in a retrieval span with db attributes', () => {
    const retrieval = one('retrieval docrag');
    expect(retrieval.attributes).toMatchObject({ 'db.system.name': 'sqlite', 'db.collection.name': 'docrag', 'db.operation.name': 'query' });
    expect(parentOf(retrieval)?.name).toBe('telegram.update');
    expect(Number(retrieval.attributes['db.response.returned_rows'])).toBeGreaterThan(0);
  });

  it('reranks through the ml-api in the same trace', () => {
    const rerank = one('rerank');
    expect(parentOf(rerank)?.name).toBe('telegram.update');
    const server = one('POST /rerank');
    expect(parentOf(server)).toBe(rerank);
  });

  it('streams the answer in a chat span with GenAI attributes, then sends it to Telegram', () => {
    const chat = one('chat gpt-4o-mini');
    expect(chat.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.finish_reasons': ['stop'],
    });
    expect(chat.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(chat.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    expect(parentOf(chat)?.name).toBe('telegram.update');
    const send = one('telegram sendMessage');
    expect(parentOf(send)?.name).toBe('telegram.update');
  });

  it.skipIf(!mlApiBatchSpans)(
    mlApiBatchSpans ? 'runs inference in batch spans linked to the requests they served' : 'batch span links (skipped: apps/ml-api does not call withBatchSpan yet)',
    () => {
      const servers = byName(/^POST \/(embed|rerank)$/).map((s) => s.spanContext().spanId);
      const batches = spans.filter((s) => s.links.some((l) => servers.includes(l.context.spanId)));
      expect(batches.length).toBeGreaterThanOrEqual(2);
    },
  );

  it('records no message content, document text or user id in any span', () => {
    const dump = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, links: s.links.map((l) => l.attributes) })));
    expect(dump).not.toContain(SECRET);
    expect(dump).not.toContain('refund window');
    expect(dump).not.toContain('1001');
  });
});
