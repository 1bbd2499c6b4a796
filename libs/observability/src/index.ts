/**
 * @docrag/observability: tracing, metrics and logs for every app. Metric names live in one file
 * (`metric-names.ts`), the single source for code, dashboards and alert rules. Nothing exported
 * here throws into the product: failures are swallowed and reported to the logger.
 */

// ---- metric names (single source for code, dashboards, alert rules) ----
export * from './metric-names';

// ---- metrics: registry, typed factories, per-app recorders, the internal server ----
export { createMetricsRegistry, counterFrom, gaugeFrom, histogramFrom, createLabelGuard } from './registry';
export type { MetricsRegistryOptions } from './registry';
export { createBotMetrics } from './bot-metrics';
export type { BotMetrics, BotMetricsOptions } from './bot-metrics';
export { createMlApiMetrics } from './ml-api-metrics';
export type { MlApiMetrics } from './ml-api-metrics';
export { createActiveUsers, DEFAULT_ACTIVE_USER_WINDOWS } from './active-users';
export type { ActiveUsers, ActiveUsersOptions } from './active-users';
export { DEFAULT_LLM_PRICES, estimateCostUsd, findModelPrice, parsePriceTable } from './price-table';
export type { ModelPrice, PriceTable } from './price-table';
export { startMetricsServer } from './metrics-server';
export type { MetricsServer, MetricsServerOptions, RouteHandler, RouteResult } from './metrics-server';

// ---- tracing: SDK start-up, span helpers, W3C propagation, batch links ----
export { createHttpInstrumentations, startTelemetry, TELEMETRY_ENV_VARIABLES, untracedOrigins } from './telemetry';
export type { Telemetry, TelemetryOptions } from './telemetry';
export { createPromClientMetricProducer, toMetricData, type ExportedRegistryOptions, type PromClientMetricProducer } from './otlp-metrics';
export { ATTR, TRACER_NAME } from './attributes';
export {
  activeSpanContext,
  errorType,
  extractTraceContext,
  getTracer,
  injectTraceHeaders,
  recordSpanError,
  SpanKind,
  withBatchSpan,
  withServerSpan,
  withSpan,
} from './tracing';
export type { SpanOptions } from './tracing';
export { createHonoServerSpanMiddleware } from './http-server-spans';
export type { HonoContextLike, ServerSpanMiddlewareOptions } from './http-server-spans';

// ---- port decorators (spans around the domain's ports) ----
export { traceEmbedder } from './decorators/embedder';
export type { TraceEmbedderOptions } from './decorators/embedder';
export { traceVectorStore } from './decorators/vector-store';
export type { TraceVectorStoreOptions } from './decorators/vector-store';
export { traceReranker } from './decorators/reranker';
export type { TraceRerankerOptions } from './decorators/reranker';
export { traceGenerator } from './decorators/generator';
export type { TraceGeneratorOptions } from './decorators/generator';

// ---- Telegram: update root span, update middleware, Bot API transformer (no grammy import) ----
export { chatTypeOf, createTelegramApiTransformer, createTelegramUpdateMiddleware, updateTypeOf, withTelegramUpdateSpan } from './telegram';
export type { TelegramApiResponseLike, TelegramApiTransformer, TelegramUpdateLike } from './telegram';

// ---- logs and never-throw helpers ----
export { createLogger, otelDiagLogger, redactConfig } from './logger';
export type { CreateLoggerOptions, Logger } from './logger';
export { safely, safeValue, setObservabilityErrorSink } from './safe';
export type { ObservabilityErrorSink } from './safe';

// ---- test and benchmark support: an in-memory tracer provider ----
export { registerInMemoryTracing } from './in-memory-tracing';
export type { InMemoryTracing } from './in-memory-tracing';
