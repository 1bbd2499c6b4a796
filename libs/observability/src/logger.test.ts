import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerInMemoryTracing, type InMemoryTracing } from './in-memory-tracing';
import { createLogger, otelDiagLogger, redactConfig } from './logger';
import { safely } from './safe';
import { withSpan } from './tracing';

let tracing: InMemoryTracing;
beforeAll(() => {
  tracing = registerInMemoryTracing();
});
afterAll(() => tracing.shutdown());

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, destination: { write: (message: string) => void lines.push(JSON.parse(message) as Record<string, unknown>) } };
}

describe('logger', () => {
  it('adds trace_id and span_id of the active span', async () => {
    const { lines, destination } = capture();
    const logger = createLogger({ service: 'bot', destination });
    logger.info('outside');
    let ids: { traceId: string; spanId: string } | undefined;
    await withSpan('work', {}, async (span) => {
      ids = span.spanContext();
      logger.info('inside');
    });
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(lines[1]).toMatchObject({ msg: 'inside', level: 'info', service: 'bot', trace_id: ids!.traceId, span_id: ids!.spanId, trace_flags: '01' });
  });

  it("writes the OpenTelemetry SDK's warnings and errors as warn lines marked otel", () => {
    const { lines, destination } = capture();
    const diag = otelDiagLogger(createLogger({ service: 'bot', destination }));
    diag.warn('export slow');
    diag.error('export failed: ECONNREFUSED');
    expect(lines).toMatchObject([
      { level: 'warn', otel: true, msg: 'export slow' },
      { level: 'warn', otel: true, msg: 'export failed: ECONNREFUSED' },
    ]);
  });

  it('redacts configured paths and receives swallowed observability failures', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ service: 'bot', destination, redact: ['config.BOT_TOKEN'] });
    logger.info({ config: { BOT_TOKEN: '123:abc', LOG_LEVEL: 'info' } }, 'config');
    safely('test.where', () => {
      throw new Error('metric exploded');
    });
    expect(JSON.stringify(lines[0])).not.toContain('123:abc');
    expect(lines[1]).toMatchObject({ level: 'warn', where: 'test.where' });
    expect(redactConfig({ BOT_TOKEN: 'x', EMPTY: '', PORT: 1 }, ['BOT_TOKEN', 'EMPTY'])).toEqual({ BOT_TOKEN: '[redacted]', EMPTY: '', PORT: 1 });
  });
});
