import { SpanStatusCode, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerInMemoryTracing, type InMemoryTracing } from './in-memory-tracing';
import { setObservabilityErrorSink } from './safe';
import { withSpan } from './tracing';

let tracing: InMemoryTracing;
beforeAll(() => {
  tracing = registerInMemoryTracing();
});
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.reset());

describe('withSpan', () => {
  it('makes the span active inside fn, ends it after fn settles, and gives the value back', async () => {
    let active: string | undefined;
    let endedBeforeSettled = true;
    const value = await withSpan('work', {}, async (span) => {
      active = trace.getActiveSpan()?.spanContext().spanId;
      await new Promise((resolve) => setTimeout(resolve, 5));
      endedBeforeSettled = tracing.spans().length > 0;
      return span.spanContext().spanId;
    });
    expect(active).toBe(value);
    expect(endedBeforeSettled).toBe(false);
    const [span] = tracing.spans();
    expect(span?.name).toBe('work');
    expect(span?.spanContext().spanId).toBe(value);
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('records an asynchronous failure on the span and rethrows the same error', async () => {
    const error = new Error('store down');
    await expect(withSpan('work', {}, () => Promise.reject(error))).rejects.toBe(error);
    const [span] = tracing.spans();
    expect(span?.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'store down' });
    expect(span?.attributes['error.type']).toBe('Error');
  });

  it('turns a synchronous throw into a rejection, as an async function would, and ends the span', async () => {
    const error = new TypeError('bad argument');
    const pending = withSpan('work', {}, () => {
      throw error;
    });
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).rejects.toBe(error);
    expect(tracing.spans()[0]?.attributes['error.type']).toBe('TypeError');
  });

  it('adds attributes from the result, and a failing onValue costs the answer nothing', async () => {
    const reported: string[] = [];
    setObservabilityErrorSink((_error, where) => reported.push(where));
    try {
      await expect(withSpan('rows', {}, async () => [1, 2, 3], (span, rows) => span.setAttribute('rows', rows.length))).resolves.toEqual([1, 2, 3]);
      await expect(
        withSpan('broken', {}, async () => 'answer', () => {
          throw new Error('attribute failed');
        }),
      ).resolves.toBe('answer');
    } finally {
      setObservabilityErrorSink(() => undefined);
    }
    const byName = new Map(tracing.spans().map((span) => [span.name, span]));
    expect(byName.get('rows')?.attributes['rows']).toBe(3);
    expect(byName.get('broken')?.ended).toBe(true);
    expect(reported).toEqual(['tracing.on-value']);
  });
});
