import type { z } from 'zod';
import { RagError } from '@docrag/domain';
import { mlErrorBodySchema, RETRYABLE_ML_ERROR_CODES } from '@docrag/ml-protocol';
import type { MlErrorBody } from '@docrag/ml-protocol';
import { backoffDelayMs, DEFAULT_BACKOFF, parseRetryAfterMs, sleep } from './retry';
import type { BackoffOptions } from './retry';

/** Connection settings shared by the embedder and the reranker. Plain values: the app maps env onto them. */
export interface MlApiClientOptions {
  /** `ML_API_URL`, e.g. `http://127.0.0.1:8000`. */
  readonly baseUrl: string;
  /** `ML_API_KEY`: sent as a bearer token when set. */
  readonly apiKey?: string;
  /** One attempt, headers and body (default 30 s; the bot passes `HTTP_TIMEOUT`). */
  readonly timeoutMs?: number;
  /** Retries on 503 overloaded/not_ready, 429, 5xx and network errors (default 3). */
  readonly maxRetries?: number;
  /** A `Retry-After` longer than this is not waited out; the call fails with it instead (default 10 s). */
  readonly maxRetryAfterMs?: number;
  readonly backoff?: BackoffOptions;
  /**
   * Custom fetch (tests). Default: the global fetch looked up at call time, so the OpenTelemetry
   * undici instrumentation (which adds the W3C `traceparent` header) sees every request.
   */
  readonly fetch?: typeof fetch;
  readonly random?: () => number;
  /**
   * Extra headers for each attempt, read when it is sent: the app passes its tracer's W3C
   * `traceparent` injector, so the ml-api continues the caller's trace without an HTTP client
   * instrumentation on this hop (the embeddings/rerank span already is the client span).
   */
  readonly traceHeaders?: () => Readonly<Record<string, string>>;
}

/** What a failed attempt means: the error to throw, and whether another attempt may succeed. */
interface Failure {
  readonly error: RagError;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
}

/** The capability a request needs, for `model_unavailable`. */
export type MlCapability = 'dense' | 'rerank';

/**
 * JSON over fetch to the ml-api: timeouts, retries with back-off and jitter honouring
 * `Retry-After`, bearer auth, zod-validated answers, and one mapping from HTTP to `RagError`.
 * Uses only web-standard APIs so it runs unchanged under Deno.
 */
export class MlApiHttp {
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxRetryAfterMs: number;
  private readonly backoff: BackoffOptions;
  private readonly random: () => number;

  constructor(private readonly options: MlApiClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new RagError({ code: 'invalid_input', reason: `ML_API_URL is not a valid URL: ${JSON.stringify(options.baseUrl)}` });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new RagError({ code: 'invalid_input', reason: `ML_API_URL must be http(s), got ${url.protocol}` });
    }
    this.baseUrl = url.toString().replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.random = options.random ?? Math.random;
    if (!(this.timeoutMs > 0)) throw new RagError({ code: 'invalid_input', reason: `ml-api timeout must be a positive number of ms (HTTP_TIMEOUT), got ${this.timeoutMs}` });
    if (!(this.maxRetries >= 0)) throw new RagError({ code: 'invalid_input', reason: `ml-api client maxRetries must be >= 0, got ${this.maxRetries}` });
  }

  /** POST a JSON body and parse the answer with `schema`. */
  post<S extends z.ZodType>(path: string, body: unknown, schema: S, capability: MlCapability, signal?: AbortSignal): Promise<z.output<S>> {
    return this.call('POST', path, body, schema, capability, signal);
  }

  /** GET and parse the answer with `schema`. */
  get<S extends z.ZodType>(path: string, schema: S, signal?: AbortSignal, acceptStatuses: readonly number[] = []): Promise<z.output<S>> {
    return this.call('GET', path, undefined, schema, undefined, signal, acceptStatuses);
  }

  private async call<S extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    schema: S,
    capability: MlCapability | undefined,
    signal: AbortSignal | undefined,
    acceptStatuses: readonly number[] = [],
  ): Promise<z.output<S>> {
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw new RagError({ code: 'cancelled' });
      const outcome = await this.attempt(method, path, body, schema, capability, signal, acceptStatuses);
      if (outcome.ok) return outcome.value;
      const failure = outcome.failure;
      const delay = this.retryDelay(failure, attempt);
      if (delay === undefined) throw failure.error;
      try {
        await sleep(delay, signal);
      } catch {
        throw new RagError({ code: 'cancelled' });
      }
    }
  }

  private retryDelay(failure: Failure, attempt: number): number | undefined {
    if (!failure.retryable || attempt >= this.maxRetries) return undefined;
    if (failure.retryAfterMs !== undefined) return failure.retryAfterMs <= this.maxRetryAfterMs ? failure.retryAfterMs : undefined;
    return backoffDelayMs(attempt, this.backoff, this.random);
  }

  private async attempt<S extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    schema: S,
    capability: MlCapability | undefined,
    signal: AbortSignal | undefined,
    acceptStatuses: readonly number[],
  ): Promise<{ ok: true; value: z.output<S> } | { ok: false; failure: Failure }> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const onAbort = (): void => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const url = `${this.baseUrl}${path}`;
    try {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (this.options.apiKey) headers['authorization'] = `Bearer ${this.options.apiKey}`;
      if (this.options.traceHeaders) {
        try {
          Object.assign(headers, this.options.traceHeaders());
        } catch {
          // Tracing never fails a request.
        }
      }
      const doFetch = this.options.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init));
      const response = await doFetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: controller.signal,
      });
      const text = await response.text();
      if (!response.ok && !acceptStatuses.includes(response.status)) {
        return { ok: false, failure: this.httpFailure(response.status, response.headers.get('retry-after'), text, capability, method, path) };
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return { ok: false, failure: this.badBody(method, path, `not JSON (HTTP ${response.status})`) };
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        return { ok: false, failure: this.badBody(method, path, `${first?.path.join('.') || '(body)'}: ${first?.message ?? 'invalid'}`) };
      }
      return { ok: true, value: parsed.data };
    } catch (error) {
      if (signal?.aborted) return { ok: false, failure: { error: new RagError({ code: 'cancelled' }, { cause: error }), retryable: false } };
      if (timedOut) {
        // Not retried: a timeout usually means the batching queue is saturated, and the request may
        // still be running there; the server says "retry" explicitly with 503 + Retry-After.
        return {
          ok: false,
          failure: {
            error: new RagError({ code: 'timeout', dependency: 'ml-api', afterMs: this.timeoutMs }, { cause: error, message: `${method} ${path}: ml-api did not answer within ${this.timeoutMs} ms` }),
            retryable: false,
          },
        };
      }
      return {
        ok: false,
        failure: {
          error: new RagError({ code: 'dependency_unavailable', dependency: 'ml-api' }, { cause: error, message: `${method} ${path}: ml-api unreachable at ${this.baseUrl} (${describeCause(error)})` }),
          retryable: true,
        },
      };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private badBody(method: string, path: string, why: string): Failure {
    return {
      error: new RagError({ code: 'dependency_unavailable', dependency: 'ml-api' }, { message: `${method} ${path}: ml-api answered an unexpected body: ${why}` }),
      retryable: false,
    };
  }

  /** One mapping from the ml-api's `{ error: { code, message } }` answers to `RagError`. */
  private httpFailure(status: number, retryAfter: string | null, text: string, capability: MlCapability | undefined, method: string, path: string): Failure {
    const retryAfterMs = parseRetryAfterMs(retryAfter);
    const body = parseErrorBody(text);
    const code = body?.error.code;
    const said = body ? `${body.error.code}: ${body.error.message}` : text.slice(0, 200) || '(empty body)';
    const message = `${method} ${path}: ml-api answered HTTP ${status} (${said})`;
    const withRetry = retryAfterMs === undefined ? {} : { retryAfterMs };

    if (code === 'model_unavailable') {
      return { error: new RagError({ code: 'model_unavailable', capability: capability ?? 'dense' }, { message }), retryable: false };
    }
    if (status === 429) {
      return { error: new RagError({ code: 'rate_limited', dependency: 'ml-api', ...withRetry }, { message }), retryable: true, ...withRetry };
    }
    if (code !== undefined && RETRYABLE_ML_ERROR_CODES.has(code)) {
      return { error: new RagError({ code: 'dependency_unavailable', dependency: 'ml-api', ...withRetry }, { message }), retryable: true, ...withRetry };
    }
    if (status === 401 || status === 403) {
      return {
        error: new RagError({ code: 'dependency_unavailable', dependency: 'ml-api' }, { message: `${message}; check ML_API_KEY` }),
        retryable: false,
      };
    }
    if (status >= 400 && status < 500) {
      return { error: new RagError({ code: 'invalid_input', reason: `ml-api rejected the request: ${said}` }, { message }), retryable: false };
    }
    // 5xx without a known code (a proxy in front of the ml-api, a crash): worth another try.
    return { error: new RagError({ code: 'dependency_unavailable', dependency: 'ml-api', ...withRetry }, { message }), retryable: status >= 500, ...withRetry };
  }
}

function parseErrorBody(text: string): MlErrorBody | undefined {
  try {
    const parsed = mlErrorBodySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  const inner = cause instanceof Error ? (cause as Error & { code?: string }).code ?? cause.message : undefined;
  return inner ? `${error.message}: ${inner}` : error.message;
}
