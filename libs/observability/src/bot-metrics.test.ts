import { describe, expect, it } from 'vitest';
import { createBotMetrics } from './bot-metrics';
import { createMlApiMetrics } from './ml-api-metrics';
import { metricsOf } from './metric-names';
import { createMetricsRegistry, counterFrom } from './registry';
import { setObservabilityErrorSink } from './safe';
import { RAG_QUESTION_DURATION } from './metric-names';

async function valueOf(text: string, series: string): Promise<number | undefined> {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('bot metrics', () => {
  it('registers every bot metric from metric-names', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    createBotMetrics(registry);
    const registered = (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
    expect(registered).toEqual(metricsOf('bot').map((m) => m.name).sort());
  });

  it('records stages, outcomes, tokens, cost and Telegram errors', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const metrics = createBotMetrics(registry);
    metrics.observeStage('search', 0.012);
    metrics.questionFinished('generated');
    metrics.llmUsage({ model: 'gpt-4o-mini', inputTokens: 1000, outputTokens: 200 });
    metrics.telegramCall({ method: 'sendMessage', seconds: 0.1, errorCode: 429 });
    metrics.telegramCall({ method: 'sendMessage', seconds: 0.1 });
    metrics.cacheLookup('hit');
    metrics.fileIngested({ format: 'pdf', outcome: 'indexed', seconds: 2, chunks: 12 });
    metrics.update({ updateType: 'message', userId: 987654321 });
    metrics.update({ updateType: 'message', userId: 987654321 });
    const text = await registry.metrics();
    expect(await valueOf(text, 'rag_question_duration_seconds_bucket{le="0.025",stage="search"}')).toBe(1);
    expect(await valueOf(text, 'rag_question_duration_seconds_bucket{le="0.01",stage="search"}')).toBe(0);
    expect(await valueOf(text, 'rag_questions_total{outcome="generated"}')).toBe(1);
    expect(await valueOf(text, 'rag_questions_total{outcome="error"}')).toBe(0);
    expect(await valueOf(text, 'llm_tokens_total{model="gpt-4o-mini",kind="input"}')).toBe(1000);
    expect(await valueOf(text, 'llm_cost_usd_total{model="gpt-4o-mini"}')).toBeCloseTo((1000 * 0.15 + 200 * 0.6) / 1e6, 12);
    expect(await valueOf(text, 'telegram_api_errors_total{method="sendMessage",code="429"}')).toBe(1);
    expect(await valueOf(text, 'telegram_api_duration_seconds_count{method="sendMessage"}')).toBe(2);
    expect(await valueOf(text, 'ingestion_chunks_total{format="pdf"}')).toBe(12);
    expect(await valueOf(text, 'bot_active_users{window="5m"}')).toBe(1);
    expect(text).not.toContain('987654321');
  });

  it('caps label cardinality and never throws on bad input', async () => {
    const failures: string[] = [];
    setObservabilityErrorSink((_error, where) => failures.push(where));
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const metrics = createBotMetrics(registry);
    for (let i = 0; i < 60; i++) metrics.llmError(`type-${i}`);
    expect(await valueOf(await registry.metrics(), 'llm_errors_total{type="other"}')).toBe(10);
    expect(() => metrics.observeStage('nope' as never, Number.NaN)).not.toThrow();
    expect(() => metrics.llmUsage({ model: 'm', inputTokens: -5, outputTokens: 1 })).not.toThrow();
    expect(failures).toContain('bot-metrics.llm-usage');
    setObservabilityErrorSink(() => undefined);
  });

  it('refuses to build a metric of the wrong type', () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    expect(() => counterFrom(registry, RAG_QUESTION_DURATION)).toThrow(/histogram, not a counter/);
  });
});

describe('ml-api metrics', () => {
  it('registers every ml-api metric and records a batch', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const metrics = createMlApiMetrics(registry);
    metrics.batch({ task: 'embed', size: 8, tokens: 900, seconds: 0.04 });
    metrics.modelLoaded({ model: 'bge-small', provider: 'cpu', dim: 384, seconds: 1.5 });
    metrics.ready(true);
    const registered = (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
    expect(registered).toEqual(metricsOf('ml-api').map((m) => m.name).sort());
    const text = await registry.metrics();
    expect(await valueOf(text, 'ml_batch_size_bucket{le="8",task="embed"}')).toBe(1);
    expect(await valueOf(text, 'ml_model_info{model="bge-small",provider="cpu",dim="384"}')).toBe(1);
    expect(await valueOf(text, 'ml_ready')).toBe(1);
  });
});
