/**
 * OTLP push for the metrics the apps already keep in prom-client.
 *
 * prom-client stays the one place where metrics are recorded (the names in metric-names.ts are
 * what dashboards and alert rules query); for backends that take OTLP instead of scraping, a
 * `MetricProducer` reads the same registries at each export and hands their values to the
 * OpenTelemetry SDK's periodic reader, which sends them with the OTLP http/protobuf exporter.
 * Nothing is recorded twice and the question path does no extra work: the cost is one
 * conversion per export interval.
 */
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type DataPoint,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import type { MetricObjectWithValues, MetricValue, MetricValueWithName, Registry } from 'prom-client';
import { TRACER_NAME } from './attributes';

type Histogram = { buckets: { boundaries: number[]; counts: number[] }; sum: number; count: number };

export interface ExportedRegistryOptions {
  /**
   * Runs before each read of the registry, as a scrape would (the metrics exporter's collectors
   * refresh their gauges on scrape; without it an OTLP-only deployment would push nothing new).
   */
  readonly beforeCollect?: () => Promise<void>;
}

export interface PromClientMetricProducer extends MetricProducer {
  /** Adds a registry whose metrics every later collection exports. */
  add(registry: Registry, options?: ExportedRegistryOptions): void;
}

/** prom-client label values (strings or numbers) as OpenTelemetry attributes. */
function attributesOf(labels: Readonly<Record<string, string | number | undefined>>, drop?: string): Attributes {
  const attributes: Attributes = {};
  for (const [key, value] of Object.entries(labels)) if (key !== drop && value !== undefined) attributes[key] = value;
  return attributes;
}

/** A stable key for a label set (without `le`), to group a histogram's series. */
function seriesKey(labels: Readonly<Record<string, string | number | undefined>>): string {
  return JSON.stringify(Object.entries(labels).filter(([key]) => key !== 'le').sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * A prom-client histogram (`_bucket` series with cumulative counts per `le`, `_sum`, `_count`)
 * as OTLP explicit-bucket data points: per-bucket counts, the `+Inf` bucket last.
 */
function histogramPoints(metric: MetricObjectWithValues<MetricValueWithName<string>>, startTime: HrTime, endTime: HrTime): DataPoint<Histogram>[] {
  const series = new Map<string, { labels: Attributes; bounds: [number, number][]; sum: number; count: number }>();
  for (const value of metric.values) {
    const key = seriesKey(value.labels);
    let entry = series.get(key);
    if (!entry) {
      entry = { labels: attributesOf(value.labels, 'le'), bounds: [], sum: 0, count: 0 };
      series.set(key, entry);
    }
    if (value.metricName === `${metric.name}_bucket`) {
      const le = value.labels['le'];
      entry.bounds.push([le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), value.value]);
    } else if (value.metricName === `${metric.name}_sum`) {
      entry.sum = value.value;
    } else if (value.metricName === `${metric.name}_count`) {
      entry.count = value.value;
    }
  }
  return [...series.values()].map((entry) => {
    const sorted = entry.bounds.sort(([a], [b]) => a - b);
    const finite = sorted.filter(([bound]) => Number.isFinite(bound));
    const counts: number[] = [];
    let previous = 0;
    for (const [, cumulative] of finite) {
      counts.push(cumulative - previous);
      previous = cumulative;
    }
    counts.push(Math.max(0, entry.count - previous));
    return {
      startTime,
      endTime,
      attributes: entry.labels,
      value: { buckets: { boundaries: finite.map(([bound]) => bound), counts }, sum: entry.sum, count: entry.count },
    };
  });
}

function numberPoints(values: readonly MetricValue<string>[], startTime: HrTime, endTime: HrTime): DataPoint<number>[] {
  return values.map((value) => ({ startTime, endTime, attributes: attributesOf(value.labels), value: value.value }));
}

/** One prom-client metric as OpenTelemetry metric data; summaries (none of ours) are skipped. */
export function toMetricData(metric: MetricObjectWithValues<MetricValue<string>>, startTime: HrTime, endTime: HrTime): MetricData | undefined {
  const descriptor = { name: metric.name, description: metric.help, unit: '', valueType: ValueType.DOUBLE };
  switch (String(metric.type)) {
    case 'counter':
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: numberPoints(metric.values, startTime, endTime),
      };
    case 'gauge':
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: numberPoints(metric.values, startTime, endTime),
      };
    case 'histogram':
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: histogramPoints(metric as MetricObjectWithValues<MetricValueWithName<string>>, startTime, endTime),
      };
    default:
      return undefined;
  }
}

/**
 * A MetricProducer over prom-client registries, for a `PeriodicExportingMetricReader`'s
 * `metricProducers`. prom-client counters and histograms are cumulative since the process
 * started, so every point carries the producer's creation time as its start time.
 */
export function createPromClientMetricProducer(registries: readonly Registry[] = [], now: () => HrTime = () => hrTime()): PromClientMetricProducer {
  const sources: { registry: Registry; options: ExportedRegistryOptions }[] = registries.map((registry) => ({ registry, options: {} }));
  const startTime = now();
  return {
    add(registry, options = {}) {
      if (!sources.some((source) => source.registry === registry)) sources.push({ registry, options });
    },
    async collect(): Promise<CollectionResult> {
      const errors: unknown[] = [];
      const metrics: MetricData[] = [];
      for (const { registry, options } of sources) {
        try {
          await options.beforeCollect?.();
        } catch (error) {
          // Stale values are still worth sending; the refresh's failure is reported with them.
          errors.push(error);
        }
        const endTime = now();
        try {
          for (const metric of await registry.getMetricsAsJSON()) {
            const data = toMetricData(metric, startTime, endTime);
            if (data && data.dataPoints.length > 0) metrics.push(data);
          }
        } catch (error) {
          errors.push(error);
        }
      }
      return {
        // The reader merges these scope metrics into its own resource (the app's service.name).
        resourceMetrics: { resource: emptyResource(), scopeMetrics: [{ scope: { name: `${TRACER_NAME}.prom-client` }, metrics }] },
        errors,
      };
    },
  };
}
