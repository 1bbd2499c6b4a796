import { describe, expect, it } from 'vitest';
import { MicroBatcher, QueueFullError, QueueTimeoutError, RequestAbortedError } from './micro-batcher';

interface Recorder {
  batches: string[][];
  release?: () => void;
}

/** A batcher over strings whose "model" upper-cases and records each batch it was given. */
function make(options: Partial<ConstructorParameters<typeof MicroBatcher<string, string>>[0]> = {}, gate?: Promise<void>) {
  const rec: Recorder = { batches: [] };
  const batcher = new MicroBatcher<string, string>({
    maxBatchSize: 4,
    maxBatchTokens: 1000,
    maxWaitMs: 5,
    maxQueueItems: 100,
    tokensOf: (s) => s.length,
    run: async (inputs) => {
      rec.batches.push([...inputs]);
      if (gate) await gate;
      return inputs.map((s) => s.toUpperCase());
    },
    ...options,
  });
  return { batcher, rec };
}

function deferred() {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

describe('MicroBatcher', () => {
  it('merges concurrent requests into one batch and returns each its own results in order', async () => {
    const { batcher, rec } = make();
    const [a, b] = await Promise.all([batcher.submit(['a', 'bb']), batcher.submit(['ccc'])]);
    expect(a).toEqual(['A', 'BB']);
    expect(b).toEqual(['CCC']);
    expect(rec.batches).toHaveLength(1);
  });

  it('runs at once when a full batch is queued, without waiting for maxWait', async () => {
    const { batcher, rec } = make({ maxWaitMs: 10_000 });
    const started = performance.now();
    await Promise.all([batcher.submit(['a', 'b']), batcher.submit(['c', 'd'])]);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(rec.batches).toEqual([['a', 'b', 'c', 'd']]);
  });

  it('waits up to maxWait for company, then runs what it has', async () => {
    const { batcher, rec } = make({ maxWaitMs: 30 });
    const started = performance.now();
    await batcher.submit(['x']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(rec.batches).toEqual([['x']]);
  });

  it('sorts a batch by length and splits it to respect the token budget', async () => {
    const { batcher, rec } = make({ maxBatchSize: 8, maxBatchTokens: 12 });
    const out = await batcher.submit(['aaaaaa', 'b', 'cc', 'dddddd', 'e']);
    expect(out).toEqual(['AAAAAA', 'B', 'CC', 'DDDDDD', 'E']);
    // Sorted: b, e, cc, aaaaaa, dddddd. 4 x 2 = 8 fits 12; adding a 6-long item would cost 5 x 6 = 30.
    expect(rec.batches).toEqual([['b', 'e', 'cc'], ['aaaaaa', 'dddddd']]);
    for (const batch of rec.batches) expect(batch.length * Math.max(...batch.map((s) => s.length))).toBeLessThanOrEqual(12);
  });

  it('cuts a sorted batch where padding would pass maxPaddingFraction', async () => {
    const { batcher, rec } = make({ maxBatchSize: 8, maxBatchTokens: 1000, maxPaddingFraction: 0.25 });
    await batcher.submit(['aaaaaaaa', 'bb', 'cc', 'ddddddd']);
    // [bb, cc] pad nothing; adding the 7-long item would pad 1 - 11/21 = 48% > 25%: cut.
    // [ddddddd, aaaaaaaa] pads 1 - 15/16 = 6%.
    expect(rec.batches).toEqual([['bb', 'cc'], ['ddddddd', 'aaaaaaaa']]);
  });

  it('refuses a request that does not fit the queue, at once', async () => {
    const gate = deferred();
    const { batcher } = make({ maxQueueItems: 3, maxBatchSize: 1, maxWaitMs: 0 }, gate.promise);
    const first = batcher.submit(['a']); // runs (blocked on the gate)
    await new Promise((r) => setTimeout(r, 5));
    const second = batcher.submit(['b', 'c']); // queued: 2 of 3
    await expect(batcher.submit(['d', 'e'])).rejects.toBeInstanceOf(QueueFullError);
    gate.release();
    await expect(first).resolves.toEqual(['A']);
    await expect(second).resolves.toEqual(['B', 'C']);
  });

  it('drops a request whose client went away before it reaches the model', async () => {
    const gate = deferred();
    const { batcher, rec } = make({ maxBatchSize: 1, maxWaitMs: 0 }, gate.promise);
    const first = batcher.submit(['a']);
    await new Promise((r) => setTimeout(r, 5));
    const controller = new AbortController();
    const gone = batcher.submit(['gone'], controller.signal);
    expect(batcher.depth).toBe(1);
    controller.abort();
    await expect(gone).rejects.toBeInstanceOf(RequestAbortedError);
    expect(batcher.depth).toBe(0);
    gate.release();
    await first;
    await batcher.idle();
    expect(rec.batches.flat()).toEqual(['a']);
  });

  it('rejects an already aborted request without queueing it', async () => {
    const { batcher, rec } = make();
    await expect(batcher.submit(['x'], AbortSignal.abort())).rejects.toBeInstanceOf(RequestAbortedError);
    expect(rec.batches).toEqual([]);
  });

  it('fails items that waited longer than the queue timeout', async () => {
    let now = 0;
    const gate = deferred();
    const { batcher } = make({ maxBatchSize: 1, maxWaitMs: 0, queueTimeoutMs: 100, now: () => now }, gate.promise);
    const first = batcher.submit(['a']);
    await new Promise((r) => setTimeout(r, 5));
    const late = batcher.submit(['b']);
    now = 500;
    gate.release();
    await first;
    await expect(late).rejects.toBeInstanceOf(QueueTimeoutError);
  });

  it('propagates a model failure to every request of the batch and keeps serving', async () => {
    let fail = true;
    const batcher = new MicroBatcher<string, string>({
      maxBatchSize: 4,
      maxBatchTokens: 100,
      maxWaitMs: 5,
      maxQueueItems: 10,
      tokensOf: (s) => s.length,
      run: async (inputs) => {
        if (fail) throw new Error('boom');
        return [...inputs];
      },
    });
    const results = await Promise.allSettled([batcher.submit(['a']), batcher.submit(['b'])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(batcher.submit(['c'])).resolves.toEqual(['c']);
  });

  it('runs up to maxConcurrentBatches batches at once', async () => {
    let running = 0;
    let most = 0;
    const batcher = new MicroBatcher<string, string>({
      maxBatchSize: 1,
      maxBatchTokens: 100,
      maxWaitMs: 0,
      maxConcurrentBatches: 2,
      maxQueueItems: 10,
      tokensOf: (s) => s.length,
      run: async (inputs) => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 20));
        running -= 1;
        return [...inputs];
      },
    });
    await Promise.all(['a', 'b', 'c', 'd'].map((x) => batcher.submit([x])));
    expect(most).toBe(2);
    await batcher.idle();
  });

  it('reports queue wait, batch size and tokens, and depth', async () => {
    const events: string[] = [];
    const { batcher } = make({
      hooks: {
        batch: (e) => events.push(`batch ${e.size} ${e.tokens}`),
        depth: (d) => events.push(`depth ${d}`),
        queueWait: () => events.push('wait'),
      },
    });
    await batcher.submit(['ab', 'c']);
    expect(events).toContain('batch 2 4');
    expect(events).toContain('depth 2');
    expect(events.filter((e) => e === 'wait')).toHaveLength(2);
  });
});
