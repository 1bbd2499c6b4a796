import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricDefinition, MetricType } from './metric-names';

export interface MetricsRegistryOptions {
  /** Also export prom-client's process and Node.js runtime metrics (default true). */
  readonly defaultMetrics?: boolean;
  /** Labels added to every series (e.g. `{ service: 'bot' }`); keep them constant per process. */
  readonly defaultLabels?: Readonly<Record<string, string>>;
}

/**
 * A fresh prom-client registry per app (never the global one), so tests can build as many as they
 * like and two apps in one process (the e2e test) do not collide.
 */
export function createMetricsRegistry(options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.defaultLabels) registry.setDefaultLabels({ ...options.defaultLabels });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

function expectType(definition: MetricDefinition, type: MetricType): void {
  if (definition.type !== type) {
    throw new Error(`metric ${definition.name} is a ${definition.type}, not a ${type}`);
  }
}

/** Returns the metric already registered under this name, so factories are idempotent. */
function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

/** A prom-client Counter built from a definition in `metric-names.ts`. */
export function counterFrom<L extends string>(registry: Registry, definition: MetricDefinition<L>): Counter<L> {
  expectType(definition, 'counter');
  return (
    existing<Counter<L>>(registry, definition.name) ??
    new Counter<L>({ name: definition.name, help: definition.help, labelNames: definition.labelNames, registers: [registry] })
  );
}

/** A prom-client Gauge built from a definition; `collect` runs at scrape time. */
export function gaugeFrom<L extends string>(
  registry: Registry,
  definition: MetricDefinition<L>,
  collect?: (this: Gauge<L>) => void | Promise<void>,
): Gauge<L> {
  expectType(definition, 'gauge');
  return (
    existing<Gauge<L>>(registry, definition.name) ??
    new Gauge<L>({
      name: definition.name,
      help: definition.help,
      labelNames: definition.labelNames,
      registers: [registry],
      ...(collect ? { collect } : {}),
    })
  );
}

/** A prom-client Histogram built from a definition, with its buckets. */
export function histogramFrom<L extends string>(registry: Registry, definition: MetricDefinition<L>): Histogram<L> {
  expectType(definition, 'histogram');
  return (
    existing<Histogram<L>>(registry, definition.name) ??
    new Histogram<L>({
      name: definition.name,
      help: definition.help,
      labelNames: definition.labelNames,
      registers: [registry],
      ...(definition.buckets ? { buckets: [...definition.buckets] } : {}),
    })
  );
}

/**
 * Caps the distinct values a label may take: after `max` values, new ones become `other`. Model
 * names and API methods come from config and code, but a misconfiguration (a model name per
 * request) must not explode the series count.
 */
export function createLabelGuard(max = 50): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return 'other';
    seen.add(value);
    return value;
  };
}
