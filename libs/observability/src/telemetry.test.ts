import { createServer } from 'node:net';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { beforeEach, describe, expect, it } from 'vitest';
import { startTelemetry, throttledDiag } from './telemetry';

/** A port with nothing listening: bind, note the port, close. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('startTelemetry', () => {
  it('does nothing when OTEL_SDK_DISABLED=true', async () => {
    const telemetry = startTelemetry({ serviceName: 'bot', serviceVersion: '0.0.0', env: { OTEL_SDK_DISABLED: 'true' } });
    expect(telemetry.enabled).toBe(false);
    await telemetry.shutdown();
    // The apps' configs accept 1/yes for booleans; the SDK switch must agree with them.
    expect(startTelemetry({ serviceName: 'bot', serviceVersion: '0.0.0', env: { OTEL_SDK_DISABLED: '1' } }).enabled).toBe(false);
  });

  it('keeps working and shuts down promptly when the collector is unreachable', async () => {
    const port = await deadPort();
    const warnings: string[] = [];
    const telemetry = startTelemetry({
      serviceName: 'bot',
      serviceVersion: '0.0.0',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_TIMEOUT: '500' },
      diagLogger: { warn: (m) => warnings.push(String(m)), error: (m) => warnings.push(String(m)) },
    });
    expect(telemetry.enabled).toBe(true);
    const tracer = trace.getTracer('test');
    for (let i = 0; i < 50; i++) tracer.startActiveSpan(`span ${i}`, (span) => span.end());
    const started = performance.now();
    await expect(telemetry.shutdown(3_000)).resolves.toBeUndefined();
    expect(performance.now() - started).toBeLessThan(3_500);
  });
});

/** An OTLP/HTTP sink on 127.0.0.1 that records each request's path and body. */
async function otlpSink() {
  const { createServer: createHttpServer } = await import('node:http');
  const received: { path: string; body: Buffer }[] = [];
  const server = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', body: Buffer.concat(chunks) });
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('OTLP metrics push', () => {
  // Each test starts its own SDK; the globals an earlier one registered would otherwise stay.
  beforeEach(() => {
    trace.disable();
    context.disable();
    propagation.disable();
    metrics.disable();
  });

  it('pushes the registry given to exportMetrics when OTEL_METRICS_EXPORTER=otlp', async () => {
    const sink = await otlpSink();
    const { Counter, Registry } = await import('prom-client');
    const registry = new Registry();
    new Counter({ name: 'docrag_pushed_total', help: 'Pushed.', registers: [registry] }).inc(2);
    const telemetry = startTelemetry({
      serviceName: 'push-test',
      serviceVersion: '0.0.0',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_METRICS_EXPORTER: 'otlp', OTEL_METRIC_EXPORT_INTERVAL: '60000' },
    });
    expect(telemetry.metricsExported).toBe(true);
    telemetry.exportMetrics(registry);
    await telemetry.shutdown(5_000);
    await sink.close();
    const pushes = sink.received.filter((request) => request.path === '/v1/metrics');
    expect(pushes.length).toBeGreaterThan(0);
    const body = Buffer.concat(pushes.map((push) => push.body));
    // OTLP protobuf carries strings as-is: the metric and the service that sent it.
    expect(body.includes('docrag_pushed_total')).toBe(true);
    expect(body.includes('push-test')).toBe(true);
  });

  it('pushes no metrics unless asked, even with an OTLP endpoint set for traces', async () => {
    const sink = await otlpSink();
    // As in the apps, the variables are in process.env, where the SDK's own defaults look too.
    const saved = process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = sink.url;
    try {
      const telemetry = startTelemetry({ serviceName: 'quiet', serviceVersion: '0.0.0', env: process.env });
      expect(telemetry.metricsExported).toBe(false);
      trace.getTracer('test').startActiveSpan('one', (span) => span.end());
      // What an instrumentation records through the global meter (the OpenAI one's token usage).
      metrics.getMeter('test').createCounter('instrumentation_calls').add(1);
      await telemetry.shutdown(5_000);
    } finally {
      if (saved === undefined) delete process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
      else process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = saved;
      await sink.close();
    }
    // The collector was reachable (the span arrived), and no metric push was made.
    expect(sink.received.map((request) => request.path)).toEqual(['/v1/traces']);
  });
});

describe('throttledDiag', () => {
  it('passes each distinct message once per interval and says how many it left out', () => {
    const lines: string[] = [];
    let now = 0;
    const diagSink = throttledDiag({ warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) }, 60_000, () => now);
    diagSink.error('export failed: ECONNREFUSED');
    for (let i = 0; i < 11; i++) {
      now += 5_000;
      diagSink.error('export failed: ECONNREFUSED');
    }
    diagSink.warn('another message');
    now += 5_000;
    diagSink.error('export failed: ECONNREFUSED');
    expect(lines).toEqual(['error export failed: ECONNREFUSED', 'warn another message', 'error export failed: ECONNREFUSED (11 more in the last 60 s)']);
  });

  it('never throws when the logger does', () => {
    const diagSink = throttledDiag({ warn: () => { throw new Error('logger down'); }, error: () => { throw new Error('logger down'); } });
    expect(() => diagSink.error('x')).not.toThrow();
  });
});
