import { RagError, isRagError } from '@docrag/domain';

/** What a failed Qdrant call means for the caller, and whether trying again can help. */
export interface ClassifiedError {
  readonly error: RagError;
  readonly retryable: boolean;
  /** Server-requested wait (HTTP 429 `Retry-After`), in ms. */
  readonly retryAfterMs?: number;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH']);

/**
 * Maps what @qdrant/js-client-rest throws to a `RagError`, by shape rather than class so this
 * file needs no SDK import: `QdrantClientTimeoutError` (its own AbortController timeout),
 * `QdrantClientResourceExhaustedError` (429 with `retry_after` seconds), `ApiError` (`status`
 * plus the server's `{status: {error}}` body), and undici's `TypeError: fetch failed` with a
 * socket error code as `cause` when the server is down.
 */
export function classifyQdrantError(error: unknown, timeoutMs: number): ClassifiedError {
  if (isRagError(error)) return { error, retryable: false };
  const e = error as { name?: string; message?: string; status?: number; retry_after?: number; data?: unknown; headers?: { get?: (h: string) => unknown }; cause?: { code?: string } };
  if (e?.name === 'QdrantClientTimeoutError' || e?.name === 'TimeoutError') {
    return { error: new RagError({ code: 'timeout', dependency: 'vector-store', afterMs: timeoutMs }, { cause: error }), retryable: true };
  }
  if (e?.name === 'QdrantClientResourceExhaustedError' || e?.status === 429) {
    const seconds = typeof e.retry_after === 'number' ? e.retry_after : Number(headerValue(e.headers, 'retry-after'));
    const retryAfterMs = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
    return {
      error: new RagError({ code: 'rate_limited', dependency: 'vector-store', ...(retryAfterMs === undefined ? {} : { retryAfterMs }) }, { cause: error }),
      retryable: true,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  if (typeof e?.status === 'number') {
    if (e.status >= 500 || e.status === 408) {
      return { error: new RagError({ code: 'dependency_unavailable', dependency: 'vector-store' }, { cause: error, message: `qdrant answered ${e.status}: ${serverMessage(e)}` }), retryable: true };
    }
    // 4xx: our request is wrong for this server (bad dimension, missing collection): retrying
    // the same request cannot succeed.
    return { error: new RagError({ code: 'invalid_input', reason: `qdrant answered ${e.status}: ${serverMessage(e)}` }, { cause: error }), retryable: false };
  }
  const code = e?.cause?.code;
  if (e?.name === 'TypeError' || (code && NETWORK_CODES.has(code)) || /ECONNREFUSED|fetch failed|socket/i.test(e?.message ?? '')) {
    return { error: new RagError({ code: 'dependency_unavailable', dependency: 'vector-store' }, { cause: error, message: `qdrant unreachable: ${code ?? e?.message ?? 'network error'}` }), retryable: true };
  }
  if (e?.name === 'QdrantClientUnexpectedResponseError') {
    return { error: new RagError({ code: 'dependency_unavailable', dependency: 'vector-store' }, { cause: error, message: e.message ?? 'unexpected response' }), retryable: true };
  }
  return { error: new RagError({ code: 'dependency_unavailable', dependency: 'vector-store' }, { cause: error, message: `qdrant call failed: ${e?.message ?? String(error)}` }), retryable: false };
}

function headerValue(headers: { get?: (h: string) => unknown } | undefined, name: string): string | undefined {
  const value = headers?.get?.(name);
  if (Array.isArray(value)) return String(value[0]);
  return value === undefined || value === null ? undefined : String(value);
}

function serverMessage(e: { data?: unknown; message?: string }): string {
  const data = e.data as { status?: { error?: string } } | string | undefined;
  if (typeof data === 'string') return data.slice(0, 300);
  return (data?.status?.error ?? e.message ?? 'error').slice(0, 300);
}

/** Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"). */
export function backoffMs(attempt: number, baseMs: number, random: () => number = Math.random, capMs = 10_000): number {
  return Math.min(capMs, Math.round(baseMs * 2 ** attempt * (0.5 + random() / 2)));
}
