import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { envDetector, hostDetector, processDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Registry } from 'prom-client';
import { createPromClientMetricProducer, type ExportedRegistryOptions } from './otlp-metrics';

export interface TelemetryOptions {
  readonly serviceName: string;
  readonly serviceVersion: string;
  /** The app's environment (`process.env`): `OTEL_*` variables are read from it. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Paths not worth a span (health checks, scrapes). Default `/metrics`, `/health*`. */
  readonly ignorePaths?: readonly string[];
  /**
   * Create HTTP server spans for incoming requests (default true). An app that opens its own
   * server spans (`withServerSpan`) turns this off to avoid two spans per request.
   */
  readonly incomingHttpSpans?: boolean;
  /**
   * Outgoing HTTP to these base URLs gets no HTTP client span and no injected header: the callers
   * already open a CLIENT span for each call (`telegram <method>` for the Bot API, `embeddings` /
   * `rerank` for the ml-api, whose client injects `traceparent` itself), and the generic
   * instrumentation would double that cost on every question for no extra information.
   */
  readonly untracedUrls?: readonly (string | undefined)[];
  /** Replace the exporter pipeline (tests: an in-memory exporter). */
  readonly spanProcessors?: SpanProcessor[];
  /** Where the SDK's own warnings go (export failures...), each message at most once a minute; default: dropped. */
  readonly diagLogger?: Pick<DiagLogger, 'warn' | 'error'>;
}

export interface Telemetry {
  /** False when `OTEL_SDK_DISABLED=true` (nothing was started). */
  readonly enabled: boolean;
  /**
   * Pushes this prom-client registry's metrics over OTLP too, when `OTEL_METRICS_EXPORTER=otlp`
   * (otherwise a no-op: Prometheus scrapes `/metrics`).
   */
  exportMetrics(registry: Registry, options?: ExportedRegistryOptions): void;
  /** True when metrics are pushed over OTLP (`OTEL_METRICS_EXPORTER=otlp` and an endpoint). */
  readonly metricsExported: boolean;
  /** Flushes pending spans and stops; resolves within `timeoutMs` even if the collector is down. */
  shutdown(timeoutMs?: number): Promise<void>;
}

/**
 * Variables read, all standard OpenTelemetry ones:
 * `OTEL_SDK_DISABLED`, `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (neither set:
 * spans are created for log correlation and propagation but not exported),
 * `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_TIMEOUT`, `OTEL_RESOURCE_ATTRIBUTES`,
 * `OTEL_TRACES_SAMPLER(_ARG)`, `OTEL_BSP_*`, `OTEL_METRICS_EXPORTER` (`otlp` also pushes the
 * prom-client metrics given to `exportMetrics` to `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` or the base
 * endpoint's `/v1/metrics`, every `OTEL_METRIC_EXPORT_INTERVAL` ms; default `none`), and
 * `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` (default false: prompts hold users' documents).
 */
export const TELEMETRY_ENV_VARIABLES = [
  'OTEL_SDK_DISABLED',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_EXPORTER_OTLP_TIMEOUT',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_METRICS_EXPORTER',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
  'OTEL_METRIC_EXPORT_INTERVAL',
  'OTEL_METRIC_EXPORT_TIMEOUT',
  'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT',
] as const;

const disabledTelemetry: Telemetry = { enabled: false, metricsExported: false, exportMetrics: () => undefined, shutdown: async () => undefined };

/** `true`, as the OpenTelemetry spec reads booleans, plus `1`/`yes`, as the apps' zod configs do. */
function truthy(value: string | undefined): boolean {
  return ['true', '1', 'yes'].includes(value?.trim().toLowerCase() ?? '');
}

/** The signal's own endpoint variable, else the base endpoint plus `/v1/<signal>` (OTLP exporter spec). */
function signalUrl(env: Readonly<Record<string, string | undefined>>, signal: 'traces' | 'metrics'): string | undefined {
  const specific = env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`];
  if (specific) return specific;
  const base = env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  return base ? `${base.replace(/\/+$/, '')}/v1/${signal}` : undefined;
}

/**
 * The SDK's warnings, each distinct message at most once per `intervalMs`. With the collector down
 * the batch processor fails an export every few seconds; one line a minute (with how many were
 * left out) says as much without flooding the app's log.
 */
export function throttledDiag(
  sink: Pick<DiagLogger, 'warn' | 'error'>,
  intervalMs = 60_000,
  now: () => number = Date.now,
): Pick<DiagLogger, 'warn' | 'error'> {
  const seen = new Map<string, { at: number; suppressed: number }>();
  const emit = (level: 'warn' | 'error', message: string, args: unknown[]) => {
    const at = now();
    const last = seen.get(message);
    if (last && at - last.at < intervalMs) {
      last.suppressed += 1;
      return;
    }
    if (seen.size >= 100 && !last) seen.clear();
    seen.set(message, { at, suppressed: 0 });
    const suffix = last?.suppressed ? ` (${last.suppressed} more in the last ${Math.round((at - last.at) / 1000)} s)` : '';
    try {
      sink[level](`${message}${suffix}`, ...args);
    } catch {
      // The app's logger failing must not break the SDK.
    }
  };
  return { warn: (message, ...args) => emit('warn', message, args), error: (message, ...args) => emit('error', message, args) };
}

/** A positive integer variable, else the default. */
function positiveInt(value: string | undefined, fallback: number): number {
  const parsed = Number(value ?? '');
  return Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
}

/** `host:port` of a URL or origin, with the scheme's default port spelled out; undefined if unparsable. */
function hostPort(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || (parsed.protocol === 'https:' ? '443' : '80')}`;
  } catch {
    return undefined;
  }
}

/**
 * A predicate over outgoing request origins: true for those of `urls` (scheme, host and port
 * compared; paths ignored), which get no generic HTTP client span.
 */
export function untracedOrigins(urls: readonly (string | undefined)[]): (origin: string) => boolean {
  const keys = new Set(urls.filter((url): url is string => Boolean(url)).map(hostPort).filter((key): key is string => key !== undefined));
  // Asked on every outgoing request: remember each origin's answer instead of parsing it again.
  const seen = new Map<string, boolean>();
  return (origin) => {
    if (keys.size === 0) return false;
    let untraced = seen.get(origin);
    if (untraced === undefined) {
      untraced = keys.has(hostPort(origin) ?? '');
      if (seen.size < 1_000) seen.set(origin, untraced);
    }
    return untraced;
  };
}

/**
 * The http (node:http, used by grammY's node-fetch) and undici (global fetch: the OpenAI SDK,
 * the ml-api client) instrumentations, with health and metrics paths and `untracedUrls` left out.
 * `startTelemetry` registers these; the benchmark and tests register the same ones.
 */
export function createHttpInstrumentations(
  options: Pick<TelemetryOptions, 'ignorePaths' | 'incomingHttpSpans' | 'untracedUrls'> = {},
): Instrumentation[] {
  const ignore = options.ignorePaths ?? ['/metrics', '/health', '/health/live', '/health/ready'];
  const untraced = untracedOrigins(options.untracedUrls ?? []);
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request) => ignore.includes((request.url ?? '').split('?')[0] ?? ''),
      ignoreOutgoingRequestHook: (request) => {
        const protocol = request.protocol ?? 'http:';
        const host = request.hostname ?? request.host ?? 'localhost';
        return untraced(`${protocol}//${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}${request.port ? `:${request.port}` : ''}`);
      },
      disableIncomingRequestInstrumentation: options.incomingHttpSpans === false,
    }),
    new UndiciInstrumentation({ ignoreRequestHook: (request) => untraced(request.origin) }),
  ];
}

/**
 * Starts the OpenTelemetry Node SDK for one app: OTLP http/protobuf trace exporter behind a batch
 * processor (export never blocks a request; a failed export is dropped and reported to
 * `diagLogger`), resource detectors (env, host, process), and the official http, undici and openai
 * instrumentations. Call it first in the composition root, before the modules it should
 * instrument are loaded.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const env = options.env ?? process.env;
  if (truthy(env['OTEL_SDK_DISABLED'])) return disabledTelemetry;
  if (options.diagLogger) {
    const sink = throttledDiag(options.diagLogger);
    diag.setLogger(
      { error: (m, ...a) => sink.error(m, ...a), warn: (m, ...a) => sink.warn(m, ...a), info: () => undefined, debug: () => undefined, verbose: () => undefined },
      DiagLogLevel.WARN,
    );
  }
  const instrumentations: Instrumentation[] = [
    ...createHttpInstrumentations(options),
    new OpenAIInstrumentation({ captureMessageContent: truthy(env['OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT']) }),
  ];
  const url = signalUrl(env, 'traces');
  const timeout = Number(env['OTEL_EXPORTER_OTLP_TIMEOUT'] ?? '') || 10_000;
  // No endpoint configured: the SDK still runs (trace ids in logs, traceparent propagated to the
  // ml-api) but exports nothing, rather than retrying against a localhost:4318 that is not there.
  const spanProcessors =
    options.spanProcessors ?? (url ? [new BatchSpanProcessor(new OTLPTraceExporter({ url, timeoutMillis: timeout }))] : []);
  // Metrics: Prometheus scrapes each app's /metrics. Only OTEL_METRICS_EXPORTER=otlp also pushes
  // them. The reader list is always given: left out, NodeSDK defaults to an OTLP metric exporter
  // that pushes to localhost:4318 every minute whether or not a collector is there.
  const producer = createPromClientMetricProducer();
  const metricsUrl = signalUrl(env, 'metrics');
  const otlpMetricsAsked = (env['OTEL_METRICS_EXPORTER'] ?? 'none').split(',').map((name) => name.trim()).includes('otlp');
  const pushMetrics = otlpMetricsAsked && metricsUrl !== undefined;
  const exportInterval = positiveInt(env['OTEL_METRIC_EXPORT_INTERVAL'], 60_000);
  const metricReaders: MetricReader[] = pushMetrics
    ? [
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter({ url: metricsUrl, timeoutMillis: timeout }),
          exportIntervalMillis: exportInterval,
          exportTimeoutMillis: Math.min(positiveInt(env['OTEL_METRIC_EXPORT_TIMEOUT'], 30_000), exportInterval),
          metricProducers: [producer],
        }),
      ]
    : [];
  if (otlpMetricsAsked && !pushMetrics) {
    options.diagLogger?.warn('OTEL_METRICS_EXPORTER=otlp but no OTEL_EXPORTER_OTLP_METRICS_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT: metrics are not pushed');
  }
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': options.serviceName, 'service.version': options.serviceVersion }),
    resourceDetectors: [envDetector, hostDetector, processDetector],
    spanProcessors,
    metricReaders,
    instrumentations,
  });
  try {
    sdk.start();
  } catch (error) {
    options.diagLogger?.error(`telemetry did not start: ${(error as Error).message}`);
    return disabledTelemetry;
  }
  return {
    enabled: true,
    metricsExported: pushMetrics,
    exportMetrics: (registry, exportOptions) => producer.add(registry, exportOptions),
    async shutdown(timeoutMs = 5_000) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      });
      try {
        await Promise.race([sdk.shutdown().catch((error: unknown) => options.diagLogger?.warn(`telemetry shutdown: ${(error as Error).message}`)), deadline]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
