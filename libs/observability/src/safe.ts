/**
 * Observability never throws into the product: a metric with a bad label, a span attribute the
 * SDK rejects or a logger that fails must cost at most a log line, never an answer.
 */

/** Where swallowed observability failures go (the app points this at its logger). */
export type ObservabilityErrorSink = (error: unknown, where: string) => void;

let sink: ObservabilityErrorSink = () => undefined;

/** Sets where swallowed failures are reported. Call once from the composition root. */
export function setObservabilityErrorSink(next: ObservabilityErrorSink): void {
  sink = next;
}

function report(error: unknown, where: string): void {
  try {
    sink(error, where);
  } catch {
    // The sink itself failed: there is nowhere left to report to.
  }
}

/** Runs `fn`, swallowing (and reporting) anything it throws. */
export function safely(where: string, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    report(error, where);
  }
}

/** Runs `fn` and returns its value, or `fallback` when it throws. */
export function safeValue<T>(where: string, fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch (error) {
    report(error, where);
    return fallback;
  }
}
