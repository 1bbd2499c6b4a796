/**
 * One answer in flight per user across replicas: two bot processes are modelled as two Redis
 * connections (two `createRedisBotStorage`) over one real redis-server started by the test, each
 * with its own in-flight guard. Skips with a message when redis-server is not installed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '@docrag/testing';
import { createInFlight, inFlightLockKey } from '../services/in-flight';
import type { SharedLock } from '../services/in-flight';
import { redisUnavailableReason, startRedisServer } from '../../test/support/redis-server';
import { EXPECTED_CANCEL_SCENARIO, runCancelScenario } from '../../test/support/shared-lock-scenario';
import type { RedisServer } from '../../test/support/redis-server';
import type { BotStorage } from './bot-storage';
import { createRedisBotStorage } from './redis-bot-storage';

const skip = redisUnavailableReason();

describe.skipIf(Boolean(skip))(`in-flight guard over Redis: two replicas${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let redis: RedisServer;
  const opened: BotStorage[] = [];
  let prefix = '';

  /** A replica's connection; every replica of one test shares the key prefix, as one bot's do. */
  async function replica(): Promise<BotStorage> {
    const storage = await createRedisBotStorage({ url: redis.url, keyPrefix: prefix, onError: () => undefined });
    opened.push(storage);
    return storage;
  }
  const locksOf = (storage: BotStorage): SharedLock => {
    if (!storage.locks) throw new Error('the Redis storage provides no shared lock');
    return storage.locks;
  };
  let n = 0;
  const freshPrefix = () => (prefix = `lock-test-${Date.now()}-${++n}:`);

  beforeAll(async () => {
    redis = await startRedisServer();
  }, 30_000);
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await redis?.stop();
  });

  it('refuses a second answer for the same user in the other replica until the first ends; other users are unaffected', async () => {
    freshPrefix();
    const ra = await replica();
    const a = createInFlight({ lock: locksOf(ra) });
    const b = createInFlight({ lock: locksOf(await replica()) });

    const first = await a.begin(42, 'answer');
    expect(first).toBeInstanceOf(AbortController);
    await expect(b.begin(42, 'answer')).resolves.toBeUndefined();
    await expect(a.begin(42, 'summary')).resolves.toBeUndefined();
    expect(b.size).toBe(0);

    const other = await b.begin(43, 'answer');
    expect(other).toBeInstanceOf(AbortController);

    await a.end(42, first!);
    const second = await b.begin(42, 'answer');
    expect(second).toBeInstanceOf(AbortController);
    await expect(a.begin(42, 'answer')).resolves.toBeUndefined();

    await b.end(42, second!);
    await b.end(43, other!);
    expect(await leasesHeld(locksOf(ra), [42, 43])).toEqual([false, false]);
  });

  it('takes over an expired lease: a replica that dies holding one blocks the user only for its TTL', async () => {
    freshPrefix();
    const lockA = locksOf(await replica());
    const lockB = locksOf(await replica());
    const tokenA = await lockA.acquire('in-flight:7', 300);
    expect(tokenA).toBeTruthy();
    await expect(lockB.acquire('in-flight:7', 300)).resolves.toBeUndefined();
    await sleep(400);
    await expect(lockB.acquire('in-flight:7', 10_000)).resolves.toBeTruthy();

    // The same through the guard: replica A's connection goes away mid-answer (no renewal, no release).
    const storageA = await replica();
    const a = createInFlight({ lock: locksOf(storageA), lockTtlMs: 600 });
    const b = createInFlight({ lock: locksOf(await replica()), lockTtlMs: 600 });
    const orphan = await a.begin(8, 'answer');
    expect(orphan).toBeInstanceOf(AbortController);
    await storageA.close();
    await expect(b.begin(8, 'answer')).resolves.toBeUndefined();
    let taken: AbortController | undefined;
    await expect.poll(async () => (taken = await b.begin(8, 'answer')) !== undefined, { timeout: 3_000, interval: 100 }).toBe(true);
    a.cancelAll();
    await a.end(8, orphan!); // A's late end cannot release B's lease (and its own connection is gone)
    const rc = await replica();
    const c = createInFlight({ lock: locksOf(rc) });
    await expect(c.begin(8, 'answer')).resolves.toBeUndefined();
    await b.end(8, taken!);
    expect(await leasesHeld(locksOf(rc), [8])).toEqual([false]);
  });

  it('lets only the owner release or renew a lease, even after its own lease expired and was taken', async () => {
    freshPrefix();
    const lockA = locksOf(await replica());
    const lockB = locksOf(await replica());
    const tokenA = (await lockA.acquire('in-flight:5', 10_000))!;
    await expect(lockB.release('in-flight:5', 'not-the-owner')).resolves.toBe(false);
    await expect(lockB.renew('in-flight:5', 'not-the-owner', 10_000)).resolves.toBe(false);
    await expect(lockB.acquire('in-flight:5', 10_000)).resolves.toBeUndefined();
    await expect(lockA.renew('in-flight:5', tokenA, 10_000)).resolves.toBe(true);
    await expect(lockA.release('in-flight:5', tokenA)).resolves.toBe(true);

    // A's lease expires, B takes the key, and A's stale token can neither extend nor delete B's lease.
    const stale = (await lockA.acquire('in-flight:6', 200))!;
    await sleep(300);
    const tokenB = (await lockB.acquire('in-flight:6', 10_000))!;
    expect(tokenB).toBeTruthy();
    expect(tokenB).not.toBe(stale);
    await expect(lockA.renew('in-flight:6', stale, 10_000)).resolves.toBe(false);
    await expect(lockA.release('in-flight:6', stale)).resolves.toBe(false);
    await expect(lockA.acquire('in-flight:6', 10_000)).resolves.toBeUndefined();
    await expect(lockB.release('in-flight:6', tokenB)).resolves.toBe(true);
  });

  it("cancels through another replica: B's /cancel aborts the answer A holds, and nothing running anywhere is said so", async () => {
    freshPrefix();
    const ra = await replica();
    const rb = await replica();
    const a = createInFlight({ lock: locksOf(ra), cancels: ra.cancels! });
    const b = createInFlight({ lock: locksOf(rb), cancels: rb.cancels! });
    expect(ra.cancels).toBeDefined();

    const job = (await a.begin(21, 'answer'))!;
    const other = (await a.begin(22, 'answer'))!;
    await expect(b.requestCancel(21)).resolves.toBe('elsewhere');
    await expect.poll(() => job.signal.aborted, { timeout: 3_000, interval: 20 }).toBe(true);
    expect(String((job.signal.reason as Error).message)).toMatch(/cancelled by the user/);
    expect(other.signal.aborted).toBe(false);
    // A gave the lease back as for its own /cancel: B answers the user's next question.
    let next: AbortController | undefined;
    await expect.poll(async () => (next = await b.begin(21, 'answer')) !== undefined, { timeout: 3_000, interval: 50 }).toBe(true);
    await a.end(21, job); // the cancelled answer ending late frees nothing of B's
    await expect(a.begin(21, 'answer')).resolves.toBeUndefined();
    await b.end(21, next!);

    // No lease anywhere: nothing is running, and nothing is published.
    await expect(b.requestCancel(23)).resolves.toBeUndefined();
    await expect(a.requestCancel(23)).resolves.toBeUndefined();
    await a.end(22, other);
    await expect(b.requestCancel(22)).resolves.toBeUndefined();
  });

  it('frees the user of a replica that died mid-answer: /cancel elsewhere waits, then releases that lease', async () => {
    freshPrefix();
    // The dead replica's lease outlives it (no process runs its job, nothing answers the request).
    const dead = await replica();
    const orphan = (await locksOf(dead).acquire(inFlightLockKey(31), 60_000))!;
    const rb = await replica();
    const b = createInFlight({ lock: locksOf(rb), cancels: rb.cancels!, cancelWaitMs: 300 });
    await expect(b.begin(31, 'answer')).resolves.toBeUndefined();
    await expect(locksOf(rb).holds(inFlightLockKey(31), orphan)).resolves.toBe(true);
    const started = performance.now();
    await expect(b.requestCancel(31)).resolves.toBe('released');
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    await expect(locksOf(rb).holds(inFlightLockKey(31), orphan)).resolves.toBe(false);
    const next = (await b.begin(31, 'answer'))!;
    expect(next).toBeInstanceOf(AbortController);
    await b.end(31, next);
  });

  it('plays the same /cancel scenario as Deno KV', async () => {
    freshPrefix();
    const [a, b] = [await replica(), await replica()].map((storage) => ({ lock: locksOf(storage), cancels: storage.cancels! }));
    expect(await runCancelScenario(a!, b!)).toStrictEqual(EXPECTED_CANCEL_SCENARIO);
  });

  it('keeps a lease alive past its TTL while the job runs', async () => {
    freshPrefix();
    const a = createInFlight({ lock: locksOf(await replica()), lockTtlMs: 300 });
    const b = createInFlight({ lock: locksOf(await replica()), lockTtlMs: 300 });
    const job = await a.begin(11, 'summary');
    await sleep(1_000);
    await expect(b.begin(11, 'answer')).resolves.toBeUndefined();
    await a.end(11, job!);
    await expect(b.begin(11, 'answer')).resolves.toBeInstanceOf(AbortController);
  });
});

/** Whether each user's lease key exists, probed through the lock itself (acquire, then release). */
async function leasesHeld(lock: SharedLock, users: readonly number[]): Promise<boolean[]> {
  return Promise.all(
    users.map(async (user) => {
      const token = await lock.acquire(inFlightLockKey(user), 1_000);
      if (token === undefined) return true;
      await lock.release(inFlightLockKey(user), token);
      return false;
    }),
  );
}
