/**
 * Coalescing throttle for streamed previews: keeps only the newest text, has at most one call in
 * flight, and waits `intervalMs(text)` between calls. Intermediate versions are skipped on
 * purpose — Telegram rate-limits edits (about 20 per minute in groups; see
 * https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this), and only the
 * final message has to be exact.
 */
export interface ThrottledUpdater<T = string> {
  /** Offers a newer preview; it is sent when the interval allows. */
  push(value: T): void;
  /** Waits for the call in flight and stops sending previews. */
  close(): Promise<void>;
  /** Number of previews actually sent. */
  readonly sent: number;
}

export function createThrottledUpdater<T = string>(options: {
  send: (value: T) => Promise<void>;
  intervalMs: (value: T) => number;
  onError?: (error: unknown) => void;
  /** Equality of two previews (default `===`); an unchanged preview is not resent. */
  same?: (a: T, b: T) => boolean;
  now?: () => number;
}): ThrottledUpdater<T> {
  const now = options.now ?? (() => Date.now());
  let pending: T | undefined;
  let lastSent: T | undefined;
  let lastAt = -Infinity;
  let inFlight: Promise<void> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let sent = 0;

  const pump = () => {
    if (closed || inFlight || pending === undefined) return;
    const wait = lastAt + options.intervalMs(pending) - now();
    if (wait > 0) {
      timer ??= setTimeout(() => {
        timer = undefined;
        pump();
      }, wait);
      return;
    }
    const text = pending;
    pending = undefined;
    if (lastSent !== undefined && (options.same ?? Object.is)(text, lastSent)) return;
    lastAt = now();
    inFlight = options
      .send(text)
      .then(() => {
        sent++;
        lastSent = text;
      })
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        inFlight = undefined;
        pump();
      });
  };

  return {
    push(text) {
      if (closed) return;
      pending = text;
      pump();
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
    get sent() {
      return sent;
    },
  };
}

/**
 * Edit interval for group streaming: at least `baseMs` (1.2 s by default), growing by a quarter
 * of it per 1,000 characters, since long messages are slower for clients to re-render and each
 * edit resends the whole text.
 */
export function adaptiveEditInterval(baseMs: number): (text: string) => number {
  return (text) => Math.round(baseMs * (1 + Math.floor(text.length / 1000) * 0.25));
}
