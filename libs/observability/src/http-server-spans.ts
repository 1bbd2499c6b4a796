import { SpanKind, type Tracer } from '@opentelemetry/api';
import { ATTR } from './attributes';
import { extractTraceContext, withSpan, type HeaderRecord } from './tracing';

/**
 * The parts of a Hono `Context` the middleware reads, typed structurally so this lib does not
 * depend on hono. `c.req.raw` is the fetch `Request`; `routePath` is the matched pattern.
 */
export interface HonoContextLike {
  readonly req: { readonly method: string; readonly path: string; readonly routePath?: string; readonly raw: { readonly headers: Headers } };
  readonly res: { readonly status: number };
  /** On @hono/node-server, `{ incoming, outgoing }`: Node's request, whose headers are a plain object. */
  readonly env?: unknown;
}

/**
 * The request headers in their cheapest form. On @hono/node-server, `c.req.raw.headers` builds a
 * fetch `Headers` from every incoming header on first access; Node's own object is already there.
 */
function requestHeaders(c: HonoContextLike): Headers | HeaderRecord {
  const incoming = (c.env as { incoming?: { headers?: unknown } } | undefined)?.incoming?.headers;
  return incoming && typeof incoming === 'object' ? (incoming as HeaderRecord) : c.req.raw.headers;
}

export interface ServerSpanMiddlewareOptions {
  /** Paths without spans (health probes, scrapes). Default `/health*`, `/metrics`. */
  readonly ignorePaths?: readonly string[];
  /** Fixed route names for the span name and `http.route`; default the matched pattern or the path. */
  readonly routeOf?: (path: string) => string;
  readonly tracer?: Tracer;
}

/**
 * A Hono middleware (`app.use(...)`) opening one SERVER span per request, continuing the caller's
 * trace from its W3C `traceparent` header, named `<METHOD> <route>` as the HTTP semantic
 * conventions say, with the response status. It exists because @hono/node-server imports
 * `createServer` from `http` as an ES module named import, which the require-hook based
 * `@opentelemetry/instrumentation-http` does not patch, so an ESM Hono app gets no server spans
 * from it. Work done inside `next()` (batch submission) sees this span as active.
 */
export function createHonoServerSpanMiddleware(options: ServerSpanMiddlewareOptions = {}) {
  const ignore = options.ignorePaths ?? ['/health', '/health/live', '/health/ready', '/metrics'];
  const tracer = options.tracer ? { tracer: options.tracer } : {};
  return (c: HonoContextLike, next: () => Promise<void>): Promise<void> => {
    if (ignore.includes(c.req.path)) return next();
    const route = options.routeOf?.(c.req.path) ?? (c.req.routePath && c.req.routePath !== '/*' ? c.req.routePath : c.req.path);
    return withSpan(
      `${c.req.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        parent: extractTraceContext(requestHeaders(c)),
        attributes: { 'http.request.method': c.req.method, 'http.route': route, 'url.path': c.req.path },
        ...tracer,
      },
      () => next(),
      (span) => {
        span.setAttribute('http.response.status_code', c.res.status);
        if (c.res.status >= 500) span.setAttribute(ATTR.errorType, String(c.res.status));
      },
    );
  };
}
