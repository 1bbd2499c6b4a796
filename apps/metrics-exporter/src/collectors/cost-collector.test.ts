import { createMetricsRegistry } from '@docrag/observability';
import { describe, expect, it } from 'vitest';
import { createCostCollector } from './cost-collector';
import { parsePrometheusText } from './prometheus-text';

const DAY = 86_400_000;

function botMetrics(cost: number, input: number, startedAtMs: number): string {
  return [
    '# HELP llm_cost_usd_total x',
    '# TYPE llm_cost_usd_total counter',
    `llm_cost_usd_total{model="gpt-4o-mini"} ${cost}`,
    `llm_tokens_total{model="gpt-4o-mini",kind="input"} ${input}`,
    `process_start_time_seconds ${startedAtMs / 1000}`,
  ].join('\n');
}

describe('prometheus text parsing', () => {
  it('reads names, escaped labels and special values', () => {
    expect(parsePrometheusText('# c\na_total{x="q\\"uote",y="b"} 3 1700000000\nb +Inf\n')).toEqual([
      { name: 'a_total', labels: { x: 'q"uote', y: 'b' }, value: 3 },
      { name: 'b', labels: {}, value: Infinity },
    ]);
  });
});

describe('daily cost collector', () => {
  it('accumulates increases across bot restarts and resets at midnight UTC', async () => {
    let now = 10 * DAY + 3_600_000; // 01:00 UTC
    let body = botMetrics(0.5, 1000, 10 * DAY + 60_000); // the bot started today at 00:01
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const collector = createCostCollector(registry, {
      botMetricsUrl: 'http://bot/metrics',
      now: () => now,
      fetch: (async () => new Response(body)) as typeof fetch,
    });
    const signal = new AbortController().signal;
    const today = async () => (await registry.getSingleMetric('llm_cost_usd_today')!.get()).values[0]?.value;

    await collector.collect(signal);
    expect(await today()).toBeCloseTo(0.5);
    body = botMetrics(0.75, 1500, 10 * DAY + 60_000);
    await collector.collect(signal);
    expect(await today()).toBeCloseTo(0.75);
    body = botMetrics(0.1, 200, 10 * DAY + 7_200_000); // restarted: counter reset
    await collector.collect(signal);
    expect(await today()).toBeCloseTo(0.85);
    now = 11 * DAY + 60_000; // next day
    body = botMetrics(0.3, 600, 10 * DAY + 7_200_000);
    await collector.collect(signal);
    expect(await today()).toBeCloseTo(0.2);
    expect(await registry.metrics()).toContain('llm_tokens_today{model="gpt-4o-mini",kind="input"} 400');
  });

  it('does not count a bot total from earlier days as today\'s spend', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const collector = createCostCollector(registry, {
      botMetricsUrl: 'http://bot/metrics',
      now: () => 10 * DAY + 3_600_000,
      fetch: (async () => new Response(botMetrics(12, 99, 5 * DAY))) as typeof fetch,
    });
    await collector.collect(new AbortController().signal);
    expect(await registry.metrics()).toContain('llm_cost_usd_today{model="gpt-4o-mini"} 0');
  });

  it('fails on a non-200 answer', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const collector = createCostCollector(registry, { botMetricsUrl: 'http://bot/metrics', fetch: (async () => new Response('', { status: 503 })) as typeof fetch });
    await expect(collector.collect(new AbortController().signal)).rejects.toThrow(/503/);
  });
});
