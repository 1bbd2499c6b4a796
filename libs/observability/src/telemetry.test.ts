import { createServer } from 'node:net';
import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { startTelemetry } from './telemetry';

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
