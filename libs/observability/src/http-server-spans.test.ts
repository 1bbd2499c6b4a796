import { context, propagation, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHonoServerSpanMiddleware } from './http-server-spans';
import { registerInMemoryTracing, type InMemoryTracing } from './in-memory-tracing';
import { activeSpanContext, withBatchSpan, withSpan } from './tracing';

let tracing: InMemoryTracing;
beforeAll(() => {
  tracing = registerInMemoryTracing();
});
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.reset());

function ctx(path: string, headers: Record<string, string>, status = 200) {
  return { req: { method: 'POST', path, routePath: path, raw: { headers: new Headers(headers) } }, res: { status } };
}

describe('server span middleware and batch links', () => {
  it('continues the caller trace from traceparent and links the batch span back', async () => {
    const headers: Record<string, string> = {};
    let clientSpan: { traceId: string; spanId: string } | undefined;
    await withSpan('embeddings m', {}, async (span) => {
      clientSpan = span.spanContext();
      propagation.inject(context.active(), headers);
    });
    const middleware = createHonoServerSpanMiddleware();
    const queued: (ReturnType<typeof activeSpanContext>)[] = [];
    await middleware(ctx('/embed', headers), async () => {
      queued.push(activeSpanContext());
    });
    await withBatchSpan('batch embed', queued, { 'docrag.batch.size': 1 }, async () => undefined);

    const server = tracing.spans().find((s) => s.name === 'POST /embed')!;
    expect(server.spanContext().traceId).toBe(clientSpan!.traceId);
    expect(server.parentSpanContext?.spanId).toBe(clientSpan!.spanId);
    expect(server.attributes['http.response.status_code']).toBe(200);
    const batch = tracing.spans().find((s) => s.name === 'batch embed')!;
    expect(batch.parentSpanContext).toBeUndefined();
    expect(batch.links.map((l) => l.context.spanId)).toEqual([server.spanContext().spanId]);
    expect(trace.getActiveSpan()).toBeUndefined();
  });

  it("reads traceparent from Node's own headers when @hono/node-server provides them, in any casing", async () => {
    const headers: Record<string, string> = {};
    let clientSpan: { traceId: string; spanId: string } | undefined;
    await withSpan('rerank', {}, async (span) => {
      clientSpan = span.spanContext();
      propagation.inject(context.active(), headers);
    });
    const middleware = createHonoServerSpanMiddleware();
    // The fetch Headers must not be touched: building them is what the middleware avoids.
    const raw = {
      get headers(): Headers {
        throw new Error('fetch Headers were built');
      },
    };
    const incoming = { headers: { 'content-type': 'application/json', Traceparent: headers['traceparent']! } };
    await middleware({ req: { method: 'POST', path: '/rerank', routePath: '/rerank', raw }, res: { status: 200 }, env: { incoming } }, async () => undefined);
    const server = tracing.spans().find((s) => s.name === 'POST /rerank')!;
    expect(server.spanContext().traceId).toBe(clientSpan!.traceId);
    expect(server.parentSpanContext?.spanId).toBe(clientSpan!.spanId);
  });

  it('skips health probes', async () => {
    const middleware = createHonoServerSpanMiddleware();
    await middleware(ctx('/health/ready', {}), async () => undefined);
    expect(tracing.spans()).toHaveLength(0);
  });
});
