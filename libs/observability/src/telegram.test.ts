import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBotMetrics } from './bot-metrics';
import { registerInMemoryTracing, type InMemoryTracing } from './in-memory-tracing';
import { createMetricsRegistry } from './registry';
import { chatTypeOf, createTelegramApiTransformer, createTelegramUpdateMiddleware, updateTypeOf, withTelegramUpdateSpan } from './telegram';
import { withSpan } from './tracing';

let tracing: InMemoryTracing;
beforeAll(() => {
  tracing = registerInMemoryTracing();
});
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.reset());

const update = {
  update_id: 77,
  message: { message_id: 1, date: 0, text: 'what does the contract say?', chat: { id: 123456, type: 'private' }, from: { id: 123456, first_name: 'Ann' } },
};

describe('telegram.update root span', () => {
  it('reads update and chat types', () => {
    expect(updateTypeOf(update)).toBe('message');
    expect(chatTypeOf(update)).toBe('private');
    expect(chatTypeOf({ update_id: 1, callback_query: { id: 'x', message: { chat: { type: 'group' } } } })).toBe('group');
    expect(chatTypeOf({ update_id: 1, inline_query: { id: 'x' } })).toBeUndefined();
  });

  it('starts a new trace per update, linked to the delivering request, without text or ids', async () => {
    let inner: string | undefined;
    await withSpan('POST /telegram', { kind: SpanKind.SERVER }, () =>
      withTelegramUpdateSpan(update, async () => {
        await withSpan('child', {}, async (span) => {
          inner = span.spanContext().traceId;
        });
      }),
    );
    const root = tracing.spans().find((s) => s.name === 'telegram.update')!;
    const http = tracing.spans().find((s) => s.name === 'POST /telegram')!;
    expect(root.parentSpanContext).toBeUndefined();
    expect(root.spanContext().traceId).not.toBe(http.spanContext().traceId);
    expect(root.links[0]?.context.spanId).toBe(http.spanContext().spanId);
    expect(inner).toBe(root.spanContext().traceId);
    expect(root.attributes).toEqual({ 'telegram.update.type': 'message', 'telegram.update.id': 77, 'telegram.chat.type': 'private' });
    const text = JSON.stringify(tracing.spans().map((s) => s.attributes));
    expect(text).not.toContain('contract');
    expect(text).not.toContain('123456');
  });

  it('middleware counts the update and the active user', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const middleware = createTelegramUpdateMiddleware({ metrics: createBotMetrics(registry) });
    let ran = false;
    await middleware({ update }, async () => {
      ran = true;
    });
    expect(ran).toBe(true);
    const metrics = await registry.metrics();
    expect(metrics).toContain('telegram_updates_total{update_type="message"} 1');
    expect(metrics).toContain('bot_active_users{window="24h"} 1');
    expect(tracing.spans().map((s) => s.name)).toEqual(['telegram.update']);
  });
});

describe('Telegram API transformer', () => {
  it('times calls, counts ok:false answers by method and code, and passes them on', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const transformer = createTelegramApiTransformer({ metrics: createBotMetrics(registry) });
    const flood = { ok: false as const, error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } };
    const prev = async (method: string, _payload: unknown) => (method === 'sendMessage' ? flood : { ok: true as const, result: true });
    await withTelegramUpdateSpan(update, async () => {
      expect(await transformer(prev, 'sendMessage', { chat_id: 1, text: 'secret answer' })).toBe(flood);
      expect(await transformer(prev, 'editMessageText', { text: 'secret answer' })).toEqual({ ok: true, result: true });
    });
    const metrics = await registry.metrics();
    expect(metrics).toContain('telegram_api_errors_total{method="sendMessage",code="429"} 1');
    expect(metrics).toContain('telegram_api_duration_seconds_count{method="editMessageText"} 1');
    const send = tracing.spans().find((s) => s.name === 'telegram sendMessage')!;
    expect(send.status.code).toBe(SpanStatusCode.ERROR);
    expect(send.attributes['telegram.error_code']).toBe(429);
    expect(JSON.stringify(tracing.spans().map((s) => s.attributes))).not.toContain('secret answer');
  });

  it('counts network failures and rethrows them; no span outside an update', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const transformer = createTelegramApiTransformer({ metrics: createBotMetrics(registry) });
    const failing = async (): Promise<{ ok: true }> => {
      throw new TypeError('fetch failed');
    };
    await expect(transformer(failing, 'getUpdates', {})).rejects.toThrow('fetch failed');
    expect(await registry.metrics()).toContain('telegram_api_errors_total{method="getUpdates",code="network"} 1');
    expect(tracing.spans()).toHaveLength(0);
  });
});
