/**
 * Why apps/ml-api needs `createHonoServerSpanMiddleware`: with the real SDK started by
 * `startTelemetry` (http, undici and openai instrumentations), a Hono app served by
 * @hono/node-server under ESM gets the undici CLIENT span of the caller but no SERVER span, because
 * the server imports `createServer` from `http` as an ES-module named binding that the require-hook
 * based instrumentation-http cannot patch. If this test starts failing, instrumentation-http covers
 * the server and the middleware would double the server spans: drop one of them.
 */
import { startTelemetry, type Telemetry } from '@docrag/observability';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';

let telemetry: Telemetry | undefined;
afterAll(() => telemetry?.shutdown());

describe('instrumentation-http and @hono/node-server', () => {
  it('produce no server span for an ESM Hono app, so the middleware is needed', async () => {
    const exporter = new InMemorySpanExporter();
    telemetry = startTelemetry({ serviceName: 'e2e', serviceVersion: '0', env: {}, spanProcessors: [new SimpleSpanProcessor(exporter)] });
    // Imported after the SDK started, the most favourable order for the instrumentation.
    const { serve } = await import('@hono/node-server');
    const { Hono } = await import('hono');
    const server = serve({ fetch: new Hono().post('/embed', (c) => c.json({ ok: true })).fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const port = (server.address() as { port: number }).port;
    expect((await fetch(`http://127.0.0.1:${port}/embed`, { method: 'POST', body: '{}' })).status).toBe(200);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const spans = exporter.getFinishedSpans();
    expect(spans.some((s) => s.kind === SpanKind.CLIENT)).toBe(true);
    expect(spans.filter((s) => s.kind === SpanKind.SERVER)).toEqual([]);
  });
});
