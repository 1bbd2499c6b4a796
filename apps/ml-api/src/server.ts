/**
 * The HTTP API (Hono). Every body is validated with the @docrag/ml-protocol schemas the bot's
 * client also uses; every failure leaves through the one error handler at the bottom as
 * `{ error: { code, message } }`. Hono was chosen over Fastify because its `app.request()` drives
 * the whole app in memory in tests, it runs unchanged on Node (@hono/node-server) and needs no
 * plugin system for five routes; the request path costs are measured in docs/performance.md.
 */
import { timingSafeEqual } from 'node:crypto';
import { createHonoServerSpanMiddleware, type MlApiMetrics } from '@docrag/observability';
import {
  encodeFloat32Base64,
  embedRequestSchema,
  openAiEmbeddingsRequestSchema,
  parseMlRequest,
  rerankRequestSchema,
  type EmbedResponse,
  type HealthResponse,
  type MlErrorCode,
  type OpenAiEmbeddingsResponse,
  type RerankResponse,
} from '@docrag/ml-protocol';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { RequestAbortedError } from './batching/micro-batcher';
import { MlApiError } from './errors';
import type { EmbedService } from './inference/embed-service';
import type { RerankService } from './inference/rerank-service';

/** What the server can do right now; main.ts fills it in as models load. */
export interface ServiceState {
  status: 'loading' | 'ready';
  embed?: EmbedService;
  rerank?: RerankService;
  /** Why capabilities are off ("rerank: no model.onnx in models/x"). */
  notes: string[];
}

export interface AppOptions {
  readonly state: ServiceState;
  readonly version: string;
  readonly maxBodyBytes: number;
  readonly retryAfterSeconds: number;
  readonly apiKey?: string;
  readonly metrics?: MlApiMetrics;
  /** Unexpected errors (500s) are logged here with their stack; the client never sees it. */
  readonly onError?: (error: unknown, route: string) => void;
}

/** Refusals counted in `ml_rejected_requests_total`, by reason. */
const REJECTION_REASONS: Partial<Record<MlErrorCode, 'too_large' | 'not_ready' | 'invalid'>> = {
  invalid_request: 'invalid',
  empty_input: 'invalid',
  too_many_texts: 'too_large',
  too_many_documents: 'too_large',
  payload_too_large: 'too_large',
  unsupported_media_type: 'invalid',
  not_ready: 'not_ready',
};

const ROUTES = new Set(['/embed', '/rerank', '/v1/embeddings', '/health', '/health/live', '/health/ready']);

/** Builds the health/readiness body from the current state. */
export function healthBody(state: ServiceState, version: string): HealthResponse {
  const embedModel = state.embed?.model;
  const rerankModel = state.rerank?.model;
  const provider = embedModel?.info.provider ?? rerankModel?.info.provider ?? null;
  return {
    status: state.status,
    capabilities: { dense: embedModel !== undefined, sparse: state.embed !== undefined, rerank: rerankModel !== undefined },
    dimension: embedModel?.info.dimension ?? null,
    provider,
    models: {
      embed: embedModel
        ? {
            name: embedModel.info.name,
            provider: embedModel.info.provider,
            max_length: embedModel.info.maxLength,
            dimension: embedModel.info.dimension,
            pooling: embedModel.info.pooling,
            load_seconds: round(embedModel.info.loadSeconds),
          }
        : null,
      rerank: rerankModel
        ? { name: rerankModel.info.name, provider: rerankModel.info.provider, max_length: rerankModel.info.maxLength, load_seconds: round(rerankModel.info.loadSeconds) }
        : null,
      sparse: state.embed?.sparse.name ?? 'unavailable',
    },
    notes: [...state.notes],
    version,
  };
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

export function createApp(options: AppOptions): Hono {
  const { state } = options;
  const app = new Hono();

  // A SERVER span per request that continues the caller's W3C traceparent. The official http
  // instrumentation does not patch the ESM build of @hono/node-server (tools/e2e
  // http-server-spans.test.ts shows it), so without this the bot's trace would stop at the hop.
  app.use('*', createHonoServerSpanMiddleware({ routeOf: (path) => (ROUTES.has(path) ? path : 'other') }));

  // Request duration by route and status, for every answer including errors.
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const route = ROUTES.has(c.req.path) ? c.req.path : 'other';
    options.metrics?.request({ route, status: c.res.status, seconds: (performance.now() - started) / 1000 });
  });

  // Optional bearer token on inference routes; probes (/health*) stay open.
  if (options.apiKey) {
    const expected = Buffer.from(options.apiKey);
    app.use('*', async (c, next) => {
      if (c.req.path.startsWith('/health')) return next();
      const header = c.req.header('authorization') ?? '';
      // The scheme name is case-insensitive (RFC 9110 section 11.1).
      const token = Buffer.from(/^bearer /i.test(header) ? header.slice(7) : '');
      if (token.length !== expected.length || !timingSafeEqual(token, expected)) {
        c.header('WWW-Authenticate', 'Bearer');
        throw new MlApiError('unauthorized', header ? 'invalid bearer token' : 'missing Authorization: Bearer <ML_API_KEY> header');
      }
      return next();
    });
  }

  const limit = bodyLimit({
    maxSize: options.maxBodyBytes,
    onError: () => {
      throw new MlApiError('payload_too_large', `request body is larger than ${options.maxBodyBytes} bytes (MAX_BODY_BYTES)`);
    },
  });

  // ---- health ----
  app.get('/health/live', (c) => c.json({ status: 'live' }));
  const ready = (c: Context) => {
    if (state.status !== 'ready') c.header('Retry-After', String(options.retryAfterSeconds));
    return c.json(healthBody(state, options.version), state.status === 'ready' ? 200 : 503);
  };
  app.get('/health/ready', ready);
  // Kept for probes written against the original service.
  app.get('/health', ready);

  // ---- inference ----
  app.post('/embed', limit, async (c) => {
    const request = await readBody(c, embedRequestSchema);
    const embed = requireEmbed(state, options.retryAfterSeconds);
    const texts = request.texts ?? (request.text === undefined ? [] : [request.text]);
    const outcome = await embed.embed(texts, { isQuery: request.is_query, signal: c.req.raw.signal });
    const body: EmbedResponse = {
      embeddings: outcome.embeddings,
      dimension: embed.model?.info.dimension ?? null,
      model: { dense: embed.model?.info.name ?? null, sparse: embed.sparse.name },
      usage: { tokens: outcome.tokens },
    };
    return c.json(body);
  });

  app.post('/rerank', limit, async (c) => {
    const request = await readBody(c, rerankRequestSchema);
    if (state.status !== 'ready') throw notReady(options.retryAfterSeconds);
    const rerank = state.rerank;
    if (!rerank) throw new MlApiError('model_unavailable', `no reranker is loaded${noteFor(state, 'rerank')}`);
    const results = await rerank.rerank(request.query, request.documents, {
      ...(request.top_k === undefined ? {} : { topK: request.top_k }),
      signal: c.req.raw.signal,
    });
    const body: RerankResponse = { results, model: rerank.model.info.name };
    return c.json(body);
  });

  app.post('/v1/embeddings', limit, async (c) => {
    const request = await readBody(c, openAiEmbeddingsRequestSchema);
    const embed = requireEmbed(state, options.retryAfterSeconds);
    const model = embed.model;
    if (!model) throw new MlApiError('model_unavailable', `no dense embedding model is loaded${noteFor(state, 'dense')}`);
    if (request.dimensions !== undefined && request.dimensions !== model.info.dimension) {
      throw new MlApiError('invalid_request', `dimensions: this model produces ${model.info.dimension}-dimensional vectors (got ${request.dimensions})`);
    }
    const texts = typeof request.input === 'string' ? [request.input] : request.input;
    const outcome = await embed.embed(texts, { isQuery: false, signal: c.req.raw.signal, sparse: false });
    const body: OpenAiEmbeddingsResponse = {
      object: 'list',
      data: outcome.embeddings.map((e, index) => ({
        object: 'embedding',
        index,
        embedding: request.encoding_format === 'base64' ? encodeFloat32Base64(e.dense ?? []) : (e.dense ?? []),
      })),
      model: model.info.name,
      usage: { prompt_tokens: outcome.tokens, total_tokens: outcome.tokens },
    };
    return c.json(body);
  });

  // ---- everything else ----
  app.all('*', (c) => {
    if (ROUTES.has(c.req.path)) {
      const allow = c.req.path.startsWith('/health') ? 'GET' : 'POST';
      c.header('Allow', allow);
      throw new MlApiError('method_not_allowed', `${c.req.method} ${c.req.path} is not supported; use ${allow}`);
    }
    throw new MlApiError('not_found', `no route ${c.req.method} ${c.req.path}`);
  });

  // The one place errors become HTTP answers: never a crash, never a stack trace.
  app.onError((error, c) => {
    if (error instanceof MlApiError) {
      const reason = REJECTION_REASONS[error.code];
      const task = c.req.path === '/rerank' ? 'rerank' : c.req.path === '/embed' || c.req.path === '/v1/embeddings' ? 'embed' : undefined;
      // queue_full and timeout are counted by the batcher itself.
      if (reason && task) options.metrics?.rejected(task, reason);
      if (error.extra.retryAfterSeconds !== undefined) c.header('Retry-After', String(error.extra.retryAfterSeconds));
      return c.json(error.toBody(), error.status as 400);
    }
    if (error instanceof RequestAbortedError) {
      // The client is gone; 499 (nginx's "client closed request") only shows up in metrics.
      return c.body(null, 499 as 400);
    }
    options.onError?.(error, c.req.path);
    return c.json({ error: { code: 'internal_error', message: 'internal error; see the server log' } }, 500);
  });

  return app;
}

function notReady(retryAfterSeconds: number): MlApiError {
  return new MlApiError('not_ready', 'the ml-api is still loading its models', { retryAfterSeconds });
}

function requireEmbed(state: ServiceState, retryAfterSeconds: number): EmbedService {
  if (state.status !== 'ready' || !state.embed) throw notReady(retryAfterSeconds);
  return state.embed;
}

function noteFor(state: ServiceState, capability: string): string {
  const note = state.notes.find((n) => n.startsWith(`${capability}:`));
  return note ? ` (${note})` : '';
}

/** Reads, parses and validates a JSON body; each failure is a specific 4xx. */
async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    throw new MlApiError('unsupported_media_type', `Content-Type must be application/json (got ${type || 'none'})`);
  }
  const text = await c.req.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MlApiError('invalid_request', `body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MlApiError('invalid_request', 'body must be a JSON object');
  }
  const parsed = parseMlRequest(schema, value);
  if (!parsed.ok) throw new MlApiError(parsed.error.error.code, parsed.error.error.message, { issues: parsed.error.error.issues ?? [] });
  return parsed.data;
}
