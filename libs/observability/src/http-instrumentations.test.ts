import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type * as NodeHttp from 'node:http';
import { createRequire } from 'node:module';
import { SpanKind } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerInMemoryTracing, type InMemoryTracing } from './in-memory-tracing';
import { createHttpInstrumentations, untracedOrigins } from './telemetry';
import { withSpan } from './tracing';

describe('untracedOrigins', () => {
  it('matches scheme, host and port, with default ports spelled out, and ignores paths', () => {
    const untraced = untracedOrigins(['http://127.0.0.1:8000/', 'https://api.telegram.org', undefined, 'not a url']);
    expect(untraced('http://127.0.0.1:8000')).toBe(true);
    expect(untraced('http://127.0.0.1:8000/embed?x=1')).toBe(true);
    expect(untraced('https://api.telegram.org:443')).toBe(true);
    expect(untraced('http://127.0.0.1:8001')).toBe(false);
    expect(untraced('https://api.openai.com')).toBe(false);
    expect(untracedOrigins([])('http://127.0.0.1:8000')).toBe(false);
  });
});

describe('createHttpInstrumentations', () => {
  let tracing: InMemoryTracing;
  let unregister: () => void;
  const servers: Server[] = [];
  const received = new Map<string, IncomingHttpHeaders[]>();
  let untracedUrl: string;
  let tracedUrl: string;

  async function listen(name: string): Promise<string> {
    const server = createServer((req, res) => {
      received.set(name, [...(received.get(name) ?? []), req.headers]);
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  beforeAll(async () => {
    tracing = registerInMemoryTracing();
    untracedUrl = await listen('untraced');
    tracedUrl = await listen('traced');
    unregister = registerInstrumentations({ instrumentations: createHttpInstrumentations({ untracedUrls: [`${untracedUrl}/some/base`] }) });
  });
  afterAll(async () => {
    unregister?.();
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    await tracing?.shutdown();
  });

  it('gives fetch calls to other origins a client span and traceparent, and none to the untraced ones', async () => {
    tracing.reset();
    received.clear();
    await withSpan('question', {}, async () => {
      await (await fetch(`${untracedUrl}/embed`, { method: 'POST', body: '{}' })).text();
      await (await fetch(`${tracedUrl}/v1/chat`, { method: 'POST', body: '{}' })).text();
    });
    const clientSpans = tracing.spans().filter((span) => span.instrumentationScope.name === '@opentelemetry/instrumentation-undici');
    expect(clientSpans.map((span) => span.attributes['url.full'])).toEqual([`${tracedUrl}/v1/chat`]);
    expect(received.get('traced')?.[0]?.['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(received.get('untraced')?.[0]?.['traceparent']).toBeUndefined();
  });

  it('does the same for node:http requests (grammY sends Bot API calls through node-fetch)', async () => {
    tracing.reset();
    received.clear();
    // Required after registration, as the apps load grammY after starting telemetry.
    const http = createRequire(import.meta.url)('node:http') as typeof NodeHttp;
    const get = (url: string) =>
      new Promise<void>((resolve, reject) => {
        http.get(url, (res) => res.resume().on('end', () => resolve())).on('error', reject);
      });
    await withSpan('question', {}, async () => {
      await get(`${untracedUrl}/botTOKEN/sendMessage`);
      await get(`${tracedUrl}/other`);
    });
    const clientSpans = tracing.spans().filter((span) => span.instrumentationScope.name === '@opentelemetry/instrumentation-http' && span.kind === SpanKind.CLIENT);
    expect(clientSpans.map((span) => span.attributes['url.full'] ?? span.attributes['http.url'])).toEqual([`${tracedUrl}/other`]);
    expect(received.get('traced')?.[0]?.['traceparent']).toBeDefined();
    expect(received.get('untraced')?.[0]?.['traceparent']).toBeUndefined();
  });
});
