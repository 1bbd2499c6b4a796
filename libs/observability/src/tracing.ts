import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type TextMapGetter,
  type Tracer,
} from '@opentelemetry/api';
import { ATTR, TRACER_NAME } from './attributes';
import { safely } from './safe';

export { SpanKind };

/** The tracer for our spans; the global provider decides whether anything is recorded. */
export function getTracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** Classifies an error for `error.type`: the RagError code when it has one, else the class name. */
export function errorType(error: unknown): string {
  const detail = (error as { detail?: { code?: unknown } } | null)?.detail;
  if (detail && typeof detail.code === 'string') return detail.code;
  if (error instanceof Error) return error.name || 'Error';
  return 'unknown';
}

/** Marks a span failed. Records the exception's type and message (never request content). */
export function recordSpanError(span: Span, error: unknown): void {
  safely('tracing.record-error', () => {
    span.setAttribute(ATTR.errorType, errorType(error));
    if (error instanceof Error) span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  });
}

export interface SpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  readonly links?: Link[];
  /** Start a new trace instead of a child of the active span. */
  readonly root?: boolean;
  /** Parent context (default: the active one). */
  readonly parent?: Context;
  readonly tracer?: Tracer;
}

/**
 * Runs `fn` inside a new active span and ends it when `fn` settles; a thrown error marks the span
 * failed and is rethrown unchanged. `onValue` may add attributes from the result before the span
 * ends (a failure there is only reported).
 *
 * One promise is added to `fn`'s, not the three of an `async` wrapper around `await fn()`: this
 * sits on every port call of a question, and on Node 20 each promise also runs the context
 * manager's async hooks.
 */
export function withSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>, onValue?: (span: Span, value: T) => void): Promise<T> {
  const tracer = options.tracer ?? getTracer();
  const parent = options.root ? ROOT_CONTEXT : (options.parent ?? context.active());
  const span = tracer.startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links: options.links, root: options.root },
    parent,
  );
  let pending: Promise<T>;
  try {
    pending = context.with(trace.setSpan(parent, span), fn, undefined, span);
  } catch (error) {
    // `fn` threw before returning a promise: the same rejection an async wrapper would give.
    return Promise.reject(failed(span, error));
  }
  return Promise.resolve(pending).then(
    (value) => {
      if (onValue) safely('tracing.on-value', () => onValue(span, value));
      span.end();
      return value;
    },
    (error: unknown) => {
      throw failed(span, error);
    },
  );
}

/** Records `error` on the span, ends it, and gives the error back for rethrowing. */
function failed(span: Span, error: unknown): unknown {
  recordSpanError(span, error);
  span.end();
  return error;
}

/** The active span's context, for linking a batch span back to the request it serves. */
export function activeSpanContext(): SpanContext | undefined {
  const span = trace.getActiveSpan();
  const spanContext = span?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** Writes W3C `traceparent`/`tracestate` for the active context into outgoing request headers. */
export function injectTraceHeaders(headers: Record<string, string> = {}): Record<string, string> {
  safely('tracing.inject', () => propagation.inject(context.active(), headers));
  return headers;
}

/** Incoming headers as Node keeps them (`IncomingMessage.headers`). */
export type HeaderRecord = Readonly<Record<string, string | string[] | undefined>>;

/** Reads single headers from a fetch `Headers` (case-insensitive by definition). */
const headersGetter: TextMapGetter<Headers> = {
  get: (carrier, key) => carrier.get(key) ?? undefined,
  keys: (carrier) => [...carrier.keys()],
};

/** Reads single headers from a plain object: Node's lower-cased `IncomingMessage.headers`, or any casing. */
const recordGetter: TextMapGetter<HeaderRecord> = {
  get: (carrier, key) => {
    const direct = carrier[key];
    if (direct !== undefined) return direct;
    for (const name in carrier) if (name.toLowerCase() === key) return carrier[name];
    return undefined;
  },
  keys: (carrier) => Object.keys(carrier),
};

/**
 * Reads a context from incoming headers (a plain object or a fetch `Headers`). Only the headers the
 * propagator asks for are read: copying every header costs more than the span it parents.
 */
export function extractTraceContext(headers: Headers | HeaderRecord): Context {
  if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).forEach === 'function') {
    return propagation.extract(ROOT_CONTEXT, headers as Headers, headersGetter);
  }
  return propagation.extract(ROOT_CONTEXT, headers as HeaderRecord, recordGetter);
}

/**
 * A SERVER span for one incoming HTTP request, continuing the caller's trace from its
 * `traceparent`. Span name follows HTTP semconv: `<METHOD> <route>`.
 */
export async function withServerSpan<T>(
  request: { method: string; route: string; headers: Headers | HeaderRecord },
  fn: (span: Span) => Promise<T>,
  tracer?: Tracer,
): Promise<T> {
  return withSpan(
    `${request.method} ${request.route}`,
    {
      kind: SpanKind.SERVER,
      parent: extractTraceContext(request.headers),
      attributes: { 'http.request.method': request.method, 'http.route': request.route },
      ...(tracer ? { tracer } : {}),
    },
    fn,
  );
}

/**
 * A span for one batch that served many requests. Batches do not belong to any single request's
 * trace, so the span starts a new trace and links to every request it served, as the OpenTelemetry
 * messaging conventions do for batch processing
 * (https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/#batching).
 */
export async function withBatchSpan<T>(
  name: string,
  requests: readonly (SpanContext | undefined)[],
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  tracer?: Tracer,
): Promise<T> {
  const links = requests.filter((item): item is SpanContext => item !== undefined).map((spanContext) => ({ context: spanContext }));
  return withSpan(name, { root: true, links, attributes, ...(tracer ? { tracer } : {}) }, fn);
}
