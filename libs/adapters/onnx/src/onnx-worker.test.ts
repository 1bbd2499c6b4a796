import { inject, describe, expect, it, beforeAll, afterAll } from 'vitest';
import { Worker } from 'node:worker_threads';
import { loadEmbeddingModel, loadRerankModel, type EmbeddingModel, type RerankModel } from './onnx-models';
import { createOnnxSession, type Int64Input, type OnnxSession } from './onnx-runtime';
import type { SpawnWorker } from './onnx-worker';

const fixtures = inject('onnxFixtures');
const settings = { device: 'cpu' as const, intraOpThreads: 1, interOpThreads: 1, graphOptimizationLevel: 'all' as const, maxLength: 128 };
const sessionSettings = { device: 'cpu' as const, intraOpThreads: 1, interOpThreads: 1, graphOptimizationLevel: 'all' as const };

/** A `[batch, sequence]` input of one repeated word piece, fresh arrays each call (the worker takes them). */
function feeds(batch: number, sequence: number): Record<string, Int64Input> {
  const n = batch * sequence;
  const dims = [batch, sequence];
  return {
    input_ids: { data: new BigInt64Array(n).fill(2023n), dims },
    attention_mask: { data: new BigInt64Array(n).fill(1n), dims },
    token_type_ids: { data: new BigInt64Array(n), dims },
  };
}

/** Longest gap between the ticks of a 5 ms interval while `work` runs, in ms. */
async function maxEventLoopLag(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let max = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    max = Math.max(max, now - last);
    last = now;
  }, 5);
  try {
    await work();
    // One more tick, so a loop blocked until the very end of the run is measured too.
    await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    clearInterval(timer);
  }
  return max;
}

describe('worker-thread sessions', () => {
  let inThread: { embed: EmbeddingModel; rerank: RerankModel };
  let inWorker: { embed: EmbeddingModel; rerank: RerankModel };
  beforeAll(async () => {
    const source = { name: 'tiny', dir: fixtures.embedder.dir };
    const rerankSource = { name: 'tiny', dir: fixtures.reranker.dir };
    inThread = {
      embed: await loadEmbeddingModel(source, { ...settings, pooling: 'mean', workerThread: false }),
      rerank: await loadRerankModel(rerankSource, { ...settings, workerThread: false }),
    };
    inWorker = {
      embed: await loadEmbeddingModel(source, { ...settings, pooling: 'mean', workerThread: true }),
      rerank: await loadRerankModel(rerankSource, { ...settings, workerThread: true }),
    };
  });
  afterAll(async () => {
    await Promise.all([inThread.embed.release(), inThread.rerank.release(), inWorker.embed.release(), inWorker.rerank.release()]);
  });

  it('gives bit-identical embeddings and rerank logits to in-thread runs', async () => {
    const texts = ['Hello world!', 'A much longer sentence about documents, retrieval and the answers a bot gives.', 'short', 'word '.repeat(300)];
    const encodings = texts.map((t) => inThread.embed.tokenize(t));
    expect(await inWorker.embed.embedBatch(encodings)).toEqual(await inThread.embed.embedBatch(encodings));
    const pairs = texts.map((t) => inThread.rerank.tokenizePair('what do bots answer?', t));
    const scores = await inWorker.rerank.scoreBatch(pairs);
    expect(scores).toEqual(await inThread.rerank.scoreBatch(pairs));
    expect(new Set(scores).size).toBe(texts.length);
    // Concurrent runs queue in the worker and each gets its own answer.
    const each = await Promise.all(encodings.map((e) => inWorker.embed.embedBatch([e])));
    expect(each.map((v) => v[0])).toEqual(await inThread.embed.embedBatch(encodings));
  });

  it('keeps the event loop turning during a long run, which in-thread blocks it', async () => {
    // 256 x 512 tokens: a few hundred ms of inference on one core, even for the tiny fixture.
    const [batch, sequence] = [256, 512];
    const thread = await createOnnxSession(fixtures.embedder.modelPath, { ...sessionSettings, workerThread: false });
    const worker = await createOnnxSession(fixtures.embedder.modelPath, { ...sessionSettings, workerThread: true });
    try {
      // First runs at this shape outside the measurement (allocation, kernel selection).
      await thread.run(feeds(batch, sequence), ['last_hidden_state']);
      await worker.run(feeds(batch, sequence), ['last_hidden_state']);
      let threadOut: Float32Array | undefined;
      let workerOut: Float32Array | undefined;
      const threadLag = await maxEventLoopLag(async () => {
        threadOut = (await thread.run(feeds(batch, sequence), ['last_hidden_state']))['last_hidden_state']?.data;
      });
      const workerLag = await maxEventLoopLag(async () => {
        workerOut = (await worker.run(feeds(batch, sequence), ['last_hidden_state']))['last_hidden_state']?.data;
      });
      expect(threadLag, `in-thread lag ${threadLag.toFixed(0)} ms`).toBeGreaterThan(150);
      expect(workerLag, `worker lag ${workerLag.toFixed(0)} ms (in-thread ${threadLag.toFixed(0)} ms)`).toBeLessThan(100);
      // Byte comparison: toEqual over 4 M floats takes seconds.
      expect(workerOut && threadOut && Buffer.from(workerOut.buffer).equals(Buffer.from(threadOut.buffer))).toBe(true);
    } finally {
      await thread.release();
      await worker.release();
    }
  }, 30_000);

  it('transfers the inputs to the worker instead of copying them', async () => {
    const session = await createOnnxSession(fixtures.embedder.modelPath, sessionSettings);
    try {
      const input = feeds(2, 8);
      const out = await session.run(input, ['last_hidden_state']);
      expect(out['last_hidden_state']?.dims).toEqual([2, 8, 32]);
      expect(input['input_ids']?.data.length).toBe(0);
    } finally {
      await session.release();
    }
  });
});

describe('a failing worker', () => {
  /** Spawns the real worker, plus a second message listener that kills it when a run arrives. */
  const dyingOnRun =
    (death: string): SpawnWorker =>
    (source, options) =>
      new Worker(`${source}\nrequire('node:worker_threads').parentPort.on('message', (m) => { if (m.type === 'run') { ${death} } });`, options);

  async function expectPendingRunRejected(session: OnnxSession, message: RegExp): Promise<void> {
    const runs = [session.run(feeds(4, 64), ['last_hidden_state']), session.run(feeds(4, 64), ['last_hidden_state'])];
    for (const run of runs) await expect(run).rejects.toThrow(message);
    // Later runs fail at once with the same error, and release still resolves.
    await expect(session.run(feeds(1, 4), ['last_hidden_state'])).rejects.toThrow(message);
    await session.release();
  }

  it('rejects pending runs when the worker throws', async () => {
    const session = await createOnnxSession(fixtures.embedder.modelPath, { ...sessionSettings, spawnWorker: dyingOnRun("throw new Error('native crash');") });
    await expectPendingRunRejected(session, /^onnxruntime worker for .*model\.onnx failed: native crash$/);
  });

  it('rejects pending runs when the worker exits', async () => {
    const session = await createOnnxSession(fixtures.embedder.modelPath, { ...sessionSettings, spawnWorker: dyingOnRun('process.exit(3);') });
    await expectPendingRunRejected(session, /^onnxruntime worker for .*model\.onnx exited unexpectedly \(code 3\)$/);
  });

  it('reports a failed run as that run’s error and keeps serving', async () => {
    const session = await createOnnxSession(fixtures.embedder.modelPath, sessionSettings);
    try {
      await expect(session.run(feeds(1, 4), ['no_such_output'])).rejects.toThrow(/no_such_output/);
      expect((await session.run(feeds(1, 4), ['last_hidden_state']))['last_hidden_state']?.dims).toEqual([1, 4, 32]);
    } finally {
      await session.release();
    }
  });
});

describe('release', () => {
  it('terminates the worker; the session refuses runs afterwards', async () => {
    const workers: Worker[] = [];
    const session = await createOnnxSession(fixtures.embedder.modelPath, {
      ...sessionSettings,
      spawnWorker: (source, options) => {
        const worker = new Worker(source, options);
        workers.push(worker);
        return worker;
      },
    });
    expect(workers).toHaveLength(1);
    const exited = new Promise<number>((resolve) => workers[0]!.once('exit', resolve));
    await session.release();
    expect(await exited).toBe(1);
    expect(workers[0]!.threadId).toBe(-1);
    await expect(session.run(feeds(1, 4), ['last_hidden_state'])).rejects.toThrow(/was closed/);
    await session.release();
  });

  it('terminates the worker of a session that failed to load', async () => {
    const workers: Worker[] = [];
    const spawnWorker: SpawnWorker = (source, options) => {
      const worker = new Worker(source, options);
      workers.push(worker);
      return worker;
    };
    await expect(createOnnxSession(fixtures.embedder.dir, { ...sessionSettings, spawnWorker })).rejects.toThrow();
    expect(workers).toHaveLength(1);
    expect(workers[0]!.threadId).toBe(-1);
  });
});
