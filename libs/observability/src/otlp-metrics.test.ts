import { DataPointType, type HistogramMetricData, type GaugeMetricData, type SumMetricData } from '@opentelemetry/sdk-metrics';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createPromClientMetricProducer } from './otlp-metrics';

function registryWithMetrics() {
  const registry = new Registry();
  const counter = new Counter({ name: 'demo_questions_total', help: 'Questions.', labelNames: ['outcome'], registers: [registry] });
  const gauge = new Gauge({ name: 'demo_active_users', help: 'Users.', labelNames: ['window'], registers: [registry] });
  const histogram = new Histogram({ name: 'demo_duration_seconds', help: 'Durations.', labelNames: ['stage'], buckets: [0.1, 1, 10], registers: [registry] });
  return { registry, counter, gauge, histogram };
}

describe('prom-client metrics as OTLP data', () => {
  it('converts counters to monotonic cumulative sums and gauges to gauges, labels to attributes', async () => {
    const { registry, counter, gauge } = registryWithMetrics();
    counter.inc({ outcome: 'answered' }, 3);
    counter.inc({ outcome: 'error' });
    gauge.set({ window: '5m' }, 7);
    const producer = createPromClientMetricProducer([registry]);
    const { resourceMetrics, errors } = await producer.collect();
    expect(errors).toEqual([]);
    const metrics = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
    const sum = metrics.find((m) => m.descriptor.name === 'demo_questions_total') as SumMetricData;
    expect(sum.dataPointType).toBe(DataPointType.SUM);
    expect(sum.isMonotonic).toBe(true);
    expect(sum.descriptor.description).toBe('Questions.');
    expect(sum.dataPoints.map((p) => [p.attributes['outcome'], p.value]).sort()).toEqual([
      ['answered', 3],
      ['error', 1],
    ]);
    const active = metrics.find((m) => m.descriptor.name === 'demo_active_users') as GaugeMetricData;
    expect(active.dataPointType).toBe(DataPointType.GAUGE);
    expect(active.dataPoints).toMatchObject([{ attributes: { window: '5m' }, value: 7 }]);
  });

  it('turns cumulative le buckets into per-bucket counts with the +Inf bucket last, per label set', async () => {
    const { registry, histogram } = registryWithMetrics();
    for (const seconds of [0.05, 0.5, 0.5, 5, 50]) histogram.observe({ stage: 'embed' }, seconds);
    histogram.observe({ stage: 'llm_total' }, 2);
    const producer = createPromClientMetricProducer([registry]);
    const metrics = (await producer.collect()).resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
    const data = metrics.find((m) => m.descriptor.name === 'demo_duration_seconds') as HistogramMetricData;
    expect(data.dataPointType).toBe(DataPointType.HISTOGRAM);
    const byStage = new Map(data.dataPoints.map((p) => [p.attributes['stage'], p]));
    expect(byStage.size).toBe(2);
    const embed = byStage.get('embed')!;
    expect(embed.attributes).toEqual({ stage: 'embed' });
    expect(embed.value.buckets).toEqual({ boundaries: [0.1, 1, 10], counts: [1, 2, 1, 1] });
    expect(embed.value.count).toBe(5);
    expect(embed.value.sum).toBeCloseTo(56.05);
    expect(byStage.get('llm_total')!.value.buckets.counts).toEqual([0, 0, 1, 0]);
  });

  it('reads registries added later, skips empty metrics, and reports a failing registry without losing the others', async () => {
    const { registry, counter } = registryWithMetrics();
    const broken = new Registry();
    new Gauge({
      name: 'demo_broken',
      help: 'Fails to collect.',
      registers: [broken],
      collect() {
        throw new Error('collector failed');
      },
    });
    const producer = createPromClientMetricProducer();
    producer.add(broken);
    producer.add(registry);
    producer.add(registry);
    counter.inc({ outcome: 'answered' });
    const { resourceMetrics, errors } = await producer.collect();
    const names = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics.map((m) => m.descriptor.name));
    expect(names).toEqual(['demo_questions_total']);
    expect(errors).toHaveLength(1);
  });

  it('refreshes a registry before each read when asked, as a scrape does, and still sends stale values when that fails', async () => {
    const { registry, gauge } = registryWithMetrics();
    let refreshes = 0;
    const producer = createPromClientMetricProducer();
    producer.add(registry, {
      beforeCollect: async () => {
        refreshes += 1;
        if (refreshes === 2) throw new Error('refresh failed');
        gauge.set({ window: '5m' }, refreshes * 10);
      },
    });
    const valueOf = async () => {
      const result = await producer.collect();
      const data = result.resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).find((m) => m.descriptor.name === 'demo_active_users') as GaugeMetricData;
      return { value: data.dataPoints[0]?.value, errors: result.errors.length };
    };
    await expect(valueOf()).resolves.toEqual({ value: 10, errors: 0 });
    await expect(valueOf()).resolves.toEqual({ value: 10, errors: 1 });
    await expect(valueOf()).resolves.toEqual({ value: 30, errors: 0 });
  });
});
