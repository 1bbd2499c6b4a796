import { describe, expect, it } from 'vitest';
import { metricNamesIn, resolveGrafanaVariables } from './promql';

describe('PromQL metric extraction', () => {
  it('finds metric names and ignores functions, labels, grouping and durations', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.95, sum by (le, stage) (rate(rag_question_duration_seconds_bucket{stage="search",x=~"a|b"}[5m]))) > 1',
      ),
    ).toEqual(['rag_question_duration_seconds_bucket']);
    expect(metricNamesIn('sum(rate(a_total{outcome="error"}[5m])) / sum(rate(a_total[5m])) > 0.05')).toEqual(['a_total']);
    expect(metricNamesIn('up{job="ml-api"} == 0 and on (instance) ml_ready == 0')).toEqual(['up', 'ml_ready']);
    expect(metricNamesIn('max by (gpu, name) (gpu_memory_used_bytes) / ignoring(x) gpu_memory_total_bytes')).toEqual([
      'gpu_memory_used_bytes',
      'gpu_memory_total_bytes',
    ]);
  });

  it('resolves Grafana interval variables', () => {
    expect(resolveGrafanaVariables('rate(x[$__rate_interval])', '30s')).toBe('rate(x[30s])');
  });
});
