/**
 * Retry timing for calls to an LLM server. Pure apart from `sleep`, which takes the caller's signal so
 * that `/cancel` interrupts a back-off instead of waiting it out.
 */

/** Exponential back-off settings (defaults follow the OpenAI SDK: 0.5 s doubling, capped at 8 s). */
export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 8_000 };

/**
 * Delay before retry number `attempt` (0-based): `base * 2^attempt`, capped, with up to 25 % jitter
 * taken off so that several bot processes hitting the same 503 do not retry in lock-step.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const raw = Math.min(options.baseMs * 2 ** attempt, options.maxMs);
  return Math.round(raw * (1 - random() * 0.25));
}

/**
 * Reads how long a server asked us to wait: `retry-after-ms` (OpenAI, Azure) first, then
 * `retry-after` as delta-seconds or an HTTP date (RFC 9110 §10.2.3). Undefined when absent or unreadable.
 */
export function parseRetryAfterMs(
  headers: { get(name: string): string | null } | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
  }
  const raw = headers.get('retry-after');
  if (raw === null || raw.trim() === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const date = Date.parse(raw);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Waits `ms`, rejecting with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
