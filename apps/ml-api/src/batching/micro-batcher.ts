/**
 * Dynamic batching: concurrent requests for one model are merged into batches, up to a maximum
 * batch size, a token budget (batch x padded length) and a maximum wait, as in the Python service
 * (embed 32 / 10 ms, rerank 16 / 20 ms) and Hugging Face TEI.
 *
 * - By default one batch runs at a time per model: onnxruntime already spreads one run over all
 *   cores. `maxConcurrentBatches` > 1 lets the next batch start while one runs, which overlaps
 *   the JavaScript around a run (padding, pooling) with the next run's compute.
 * - Items of a batch are sorted by length and cut into sub-batches that fit the token budget, so
 *   short texts are not padded to a long one and the largest tensor (hence the arena onnxruntime
 *   keeps for the life of the process) is bounded by the budget.
 * - The queue is bounded in items; a request that does not fit is refused at once (503 +
 *   Retry-After) instead of queueing into a timeout.
 * - A request whose client went away (its AbortSignal fired) is removed from the queue and
 *   skipped before inference.
 */

export interface BatchHooks {
  /** Called in the submitting request's async context; its result is handed to `around`. */
  captureContext?(): unknown;
  /** Wraps one batch run (a tracing span linked to the requests it serves). */
  around?<T>(batch: { size: number; tokens: number; contexts: readonly unknown[] }, run: () => Promise<T>): Promise<T>;
  queueWait?(seconds: number): void;
  batch?(event: { size: number; tokens: number; seconds: number }): void;
  depth?(items: number): void;
  rejected?(reason: 'queue_full' | 'timeout'): void;
}

export interface MicroBatcherOptions<I, O> {
  readonly maxBatchSize: number;
  /** Cap on `items x longest item` per executed batch. */
  readonly maxBatchTokens: number;
  /**
   * Largest share of a batch tensor that may be padding (0..1, default 1 = never split for it).
   * Sorted items are cut where adding a longer one would pad past this share: on CPU each padded
   * position costs as much as a real one, while another run costs little.
   */
  readonly maxPaddingFraction?: number;
  readonly maxWaitMs: number;
  /** Batches that may run at once (default 1). */
  readonly maxConcurrentBatches?: number;
  /** Items that may wait; beyond it `submit` throws `QueueFullError`. */
  readonly maxQueueItems: number;
  /** Items older than this when their batch forms fail with `QueueTimeoutError` (0 = never). */
  readonly queueTimeoutMs?: number;
  /** Length of an input in tokens (after truncation). */
  readonly tokensOf: (input: I) => number;
  /** Runs one batch; must return exactly one output per input, in order. */
  readonly run: (inputs: readonly I[]) => Promise<O[]>;
  readonly hooks?: BatchHooks;
  readonly now?: () => number;
}

/** The queue is full: answer 503 with Retry-After. */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
}

/** The request waited longer than `queueTimeoutMs`. */
export class QueueTimeoutError extends Error {
  override readonly name = 'QueueTimeoutError';
}

/** The caller aborted (client disconnected) before its items ran. */
export class RequestAbortedError extends Error {
  override readonly name = 'RequestAbortedError';
}

interface PendingRequest<O> {
  readonly results: O[];
  remaining: number;
  done: boolean;
  readonly resolve: (outputs: O[]) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

interface QueuedItem<I, O> {
  readonly input: I;
  readonly tokens: number;
  readonly index: number;
  readonly enqueuedAt: number;
  readonly request: PendingRequest<O>;
  readonly context: unknown;
}

export class MicroBatcher<I, O> {
  private queue: QueuedItem<I, O>[] = [];
  private inFlight = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private idleWaiters: (() => void)[] = [];
  private readonly now: () => number;

  constructor(private readonly options: MicroBatcherOptions<I, O>) {
    if (options.maxBatchSize < 1) throw new Error('maxBatchSize must be at least 1');
    this.now = options.now ?? (() => performance.now());
  }

  /** Items waiting (not yet running). */
  get depth(): number {
    return this.queue.length;
  }

  /**
   * Queues all inputs of one request; resolves with their outputs in input order once every
   * input has run. Rejects with `QueueFullError` at once when they do not fit the queue.
   */
  submit(inputs: readonly I[], signal?: AbortSignal): Promise<O[]> {
    if (inputs.length === 0) return Promise.resolve([]);
    if (signal?.aborted) return Promise.reject(new RequestAbortedError('client went away before queueing'));
    if (this.queue.length + inputs.length > this.options.maxQueueItems) {
      this.options.hooks?.rejected?.('queue_full');
      return Promise.reject(new QueueFullError(`queue full (${this.queue.length} of ${this.options.maxQueueItems} items waiting)`));
    }
    return new Promise<O[]>((resolve, reject) => {
      const request: PendingRequest<O> = {
        results: new Array<O>(inputs.length),
        remaining: inputs.length,
        done: false,
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.fail(request, new RequestAbortedError('client went away'));
          this.queue = this.queue.filter((item) => item.request !== request);
          this.reportDepth();
        },
      };
      signal?.addEventListener('abort', request.onAbort, { once: true });
      const enqueuedAt = this.now();
      const context = this.options.hooks?.captureContext?.();
      inputs.forEach((input, index) => this.queue.push({ input, tokens: Math.max(1, this.options.tokensOf(input)), index, enqueuedAt, request, context }));
      this.reportDepth();
      this.schedule();
    });
  }

  /** Resolves when the queue is empty and no batch runs (graceful shutdown). */
  idle(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.inFlight >= (this.options.maxConcurrentBatches ?? 1) || this.queue.length === 0) return;
    const oldest = this.queue[0];
    const due = (oldest?.enqueuedAt ?? 0) + this.options.maxWaitMs - this.now();
    if (this.queue.length >= this.options.maxBatchSize || due <= 0) {
      this.clearTimer();
      // runWindow takes its items synchronously, so this sees the rest of the queue and may
      // start another batch when maxConcurrentBatches allows.
      void this.runWindow();
      this.schedule();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.schedule();
    }, Math.ceil(due));
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Takes up to maxBatchSize live items, sorts them by length and runs them in budgeted sub-batches. */
  private async runWindow(): Promise<void> {
    this.inFlight += 1;
    try {
      const window: QueuedItem<I, O>[] = [];
      const timeout = this.options.queueTimeoutMs ?? 0;
      while (window.length < this.options.maxBatchSize && this.queue.length > 0) {
        const item = this.queue.shift() as QueuedItem<I, O>;
        if (item.request.done) continue;
        if (timeout > 0 && this.now() - item.enqueuedAt > timeout) {
          this.options.hooks?.rejected?.('timeout');
          this.fail(item.request, new QueueTimeoutError(`waited over ${timeout} ms in the queue`));
          continue;
        }
        window.push(item);
      }
      this.reportDepth();
      // Stable sort by length: equal lengths keep arrival order.
      window.sort((a, b) => a.tokens - b.tokens);
      for (const batch of this.split(window)) {
        const live = batch.filter((item) => !item.request.done);
        if (live.length > 0) await this.runBatch(live);
      }
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0 && this.queue.length === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      this.schedule();
    }
  }

  private split(sorted: readonly QueuedItem<I, O>[]): QueuedItem<I, O>[][] {
    const maxPadding = this.options.maxPaddingFraction ?? 1;
    const batches: QueuedItem<I, O>[][] = [];
    let current: QueuedItem<I, O>[] = [];
    let realTokens = 0;
    for (const item of sorted) {
      // Sorted ascending, so the newest item is the longest: padded cost = count x its length.
      const padded = (current.length + 1) * item.tokens;
      const padding = 1 - (realTokens + item.tokens) / padded;
      if (current.length > 0 && (padded > this.options.maxBatchTokens || padding > maxPadding)) {
        batches.push(current);
        current = [];
        realTokens = 0;
      }
      current.push(item);
      realTokens += item.tokens;
    }
    if (current.length > 0) batches.push(current);
    return batches;
  }

  private async runBatch(items: readonly QueuedItem<I, O>[]): Promise<void> {
    const started = this.now();
    for (const item of items) this.options.hooks?.queueWait?.((started - item.enqueuedAt) / 1000);
    const longest = items.reduce((max, item) => Math.max(max, item.tokens), 0);
    const run = () => this.options.run(items.map((item) => item.input));
    const around = this.options.hooks?.around;
    let outputs: O[];
    try {
      outputs = around
        ? await around({ size: items.length, tokens: items.length * longest, contexts: [...new Set(items.map((item) => item.context))] }, run)
        : await run();
      if (outputs.length !== items.length) throw new Error(`batch returned ${outputs.length} outputs for ${items.length} inputs`);
    } catch (error) {
      for (const item of items) this.fail(item.request, error);
      return;
    }
    this.options.hooks?.batch?.({ size: items.length, tokens: items.length * longest, seconds: (this.now() - started) / 1000 });
    items.forEach((item, i) => {
      const request = item.request;
      if (request.done) return;
      request.results[item.index] = outputs[i] as O;
      request.remaining -= 1;
      if (request.remaining === 0) {
        request.done = true;
        request.signal?.removeEventListener('abort', request.onAbort);
        request.resolve(request.results);
      }
    });
  }

  private fail(request: PendingRequest<O>, error: unknown): void {
    if (request.done) return;
    request.done = true;
    request.signal?.removeEventListener('abort', request.onAbort);
    request.reject(error);
  }

  private reportDepth(): void {
    this.options.hooks?.depth?.(this.queue.length);
  }
}
