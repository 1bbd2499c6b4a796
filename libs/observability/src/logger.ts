import { trace, type DiagLogger } from '@opentelemetry/api';
import { pino, type Logger, type LoggerOptions } from 'pino';
import { setObservabilityErrorSink } from './safe';

export type { Logger };

export interface CreateLoggerOptions {
  /** The service name, logged as `service`. */
  readonly service: string;
  /** pino level (`LOG_LEVEL`), default `info`. */
  readonly level?: string;
  /** Extra key paths to redact, e.g. `['config.BOT_TOKEN']`. */
  readonly redact?: readonly string[];
  /** Destination stream (tests); default stdout. */
  readonly destination?: { write(message: string): void };
}

/**
 * Structured JSON logs (pino) carrying `trace_id`/`span_id`/`trace_flags` of the active span, the
 * field names the OpenTelemetry log data model and Grafana's trace-to-logs links expect. Also
 * routes swallowed observability failures to this logger at `warn`.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const loggerOptions: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...(options.redact ?? [])], censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const spanContext = trace.getActiveSpan()?.spanContext();
      if (!spanContext || !trace.isSpanContextValid(spanContext)) return {};
      return {
        trace_id: spanContext.traceId,
        span_id: spanContext.spanId,
        trace_flags: `0${spanContext.traceFlags.toString(16)}`,
      };
    },
  };
  const logger = options.destination ? pino(loggerOptions, options.destination) : pino(loggerOptions);
  setObservabilityErrorSink((error, where) => logger.warn({ err: error, where }, 'observability failure ignored'));
  return logger;
}

/**
 * A copy of a config object with secret values replaced, for the start-up log line.
 * `secretKeys` is each app config's exported list.
 */
export function redactConfig<T extends object>(config: T, secretKeys: readonly string[]): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...(config as Record<string, unknown>) };
  for (const key of secretKeys) {
    if (copy[key] !== undefined && copy[key] !== '') copy[key] = '[redacted]';
  }
  return copy;
}

/**
 * The OpenTelemetry SDK's own warnings and errors (failed exports...) as `warn` lines of `logger`,
 * marked `otel: true`: for `startTelemetry`'s `diagLogger`, in every app.
 */
export function otelDiagLogger(logger: Pick<Logger, 'warn'>): Pick<DiagLogger, 'warn' | 'error'> {
  return { warn: (message) => logger.warn({ otel: true }, message), error: (message) => logger.warn({ otel: true }, message) };
}
