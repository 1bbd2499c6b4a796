import { RagError } from '@docrag/domain';

/**
 * Maps a SQLite failure to the domain's error vocabulary. A locked or busy database is a
 * temporarily unavailable store; a full disk or I/O error is too (an operator must act); anything
 * else keeps its cause under the same code so callers never see raw driver errors.
 */
export function toRagError(error: unknown): RagError {
  if (error instanceof RagError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return new RagError(
    { code: 'dependency_unavailable', dependency: 'vector-store', ...(code === 'SQLITE_BUSY' ? { retryAfterMs: 100 } : {}) },
    { cause: error, message: `embedded store: ${message}` },
  );
}

/** Rejects promptly when the caller gave up. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RagError({ code: 'cancelled' }, { cause: signal.reason });
}

/** Runs synchronous driver code, translating its errors. */
export function guard<T>(signal: AbortSignal | undefined, work: () => T): Promise<T> {
  try {
    throwIfAborted(signal);
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(toRagError(error));
  }
}
