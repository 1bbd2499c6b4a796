import { describe, expect, it } from 'vitest';
import { ALL_METRICS, metricsOf, seriesNames } from './metric-names';
import * as names from './metric-names';

describe('metric names', () => {
  it('lists every exported definition in ALL_METRICS exactly once', () => {
    const exported = (Object.values(names) as unknown[]).filter(
      (value: unknown): value is names.MetricDefinition => typeof value === 'object' && value !== null && 'name' in value && 'help' in value,
    );
    expect(new Set(ALL_METRICS)).toEqual(new Set(exported));
    expect(new Set(ALL_METRICS.map((m) => m.name)).size).toBe(ALL_METRICS.length);
  });

  it('follows the Prometheus naming guide', () => {
    for (const metric of ALL_METRICS) {
      expect(metric.name, metric.name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(metric.name.endsWith('_total'), metric.name).toBe(metric.type === 'counter');
      if (metric.type === 'histogram') expect(metric.buckets?.length, metric.name).toBeGreaterThan(3);
      expect(metric.help.length, metric.name).toBeGreaterThan(10);
    }
  });

  it('never labels by user, chat or content', () => {
    const forbidden = /user|chat|text|file_?name|owner|question|query/;
    for (const metric of ALL_METRICS) {
      for (const label of metric.labelNames) expect(label, `${metric.name}{${label}}`).not.toMatch(forbidden);
    }
  });

  it('expands histograms to their series names', () => {
    expect(seriesNames(names.RAG_QUESTION_DURATION)).toEqual([
      'rag_question_duration_seconds_bucket',
      'rag_question_duration_seconds_sum',
      'rag_question_duration_seconds_count',
    ]);
    expect(seriesNames(names.RAG_QUESTIONS)).toEqual(['rag_questions_total']);
    expect(metricsOf('ml-api').every((m) => m.service === 'ml-api')).toBe(true);
  });
});
