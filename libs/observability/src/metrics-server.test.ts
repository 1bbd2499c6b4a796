import { afterEach, describe, expect, it } from 'vitest';
import { startMetricsServer, type MetricsServer } from './metrics-server';
import { createMetricsRegistry } from './registry';
import { createBotMetrics } from './bot-metrics';

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('metrics server', () => {
  it('serves /metrics and the app health routes on its own port', async () => {
    const registry = createMetricsRegistry();
    createBotMetrics(registry).questionFinished('generated');
    server = await startMetricsServer({
      port: 0,
      host: '127.0.0.1',
      registry,
      routes: { '/health/live': () => ({ status: 200, body: { status: 'ok' } }), '/health/ready': async () => ({ status: 503, body: { status: 'starting' } }) },
    });
    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const body = await metrics.text();
    expect(body).toContain('rag_questions_total{outcome="generated"} 1');
    expect(body).toContain('process_resident_memory_bytes');
    expect(await (await fetch(`${server.url}/health/live`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(503);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('turns /metrics off but keeps health routes', async () => {
    server = await startMetricsServer({
      port: 0,
      host: '127.0.0.1',
      registry: createMetricsRegistry({ defaultMetrics: false }),
      metricsEnabled: false,
      routes: { '/health/live': () => ({ status: 200, body: {} }) },
    });
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
  });

  it('answers 500 and keeps running when a route fails', async () => {
    const errors: string[] = [];
    server = await startMetricsServer({
      port: 0,
      host: '127.0.0.1',
      routes: { '/health/ready': () => { throw new Error('boom'); } },
      onError: (_e, path) => errors.push(path),
    });
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(500);
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(500);
    expect(errors).toEqual(['/health/ready', '/health/ready']);
  });
});
