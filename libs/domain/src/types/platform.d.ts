/**
 * The domain is compiled without DOM or Node typings (it does no I/O), but cancellation is part of
 * its port contracts. This declares the slice of the standard AbortSignal it relies on; under Node,
 * Deno or a browser the real global type merges with it.
 */
interface AbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  throwIfAborted(): void;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
