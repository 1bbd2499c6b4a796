import { FakeClock, FakeGenerator } from '@docrag/testing';
import { OwnerId } from '@docrag/domain';
import { describe, expect, it } from 'vitest';
import { makeSource } from '../../test/support/fixtures';
import { chatKeyOf, createAccessPolicy, groupQuestion, isAllowed, ownerOf, stripMention } from './access';
import { createMemoryCounters, ratelimiterStore } from './counters';
import { createInFlight, inFlightLockKey, type SharedCancel, type SharedLock } from './in-flight';
import { packBatches, summarizeParents } from './summarize';
import { createUsageTracker } from './usage';

describe('access', () => {
  const policy = createAccessPolicy({ allowAll: false, allowedUserIds: [1], allowedChatIds: [-10], adminUserIds: [9] });

  it('allows listed users, admins and anyone in a listed chat', () => {
    expect(isAllowed(policy, 1, 1)).toBe(true);
    expect(isAllowed(policy, 9, 9)).toBe(true);
    expect(isAllowed(policy, 5, -10)).toBe(true);
    expect(isAllowed(policy, 5, 5)).toBe(false);
    expect(isAllowed(createAccessPolicy({ allowAll: true, allowedUserIds: [], allowedChatIds: [], adminUserIds: [] }), 5, 5)).toBe(true);
  });

  it('gives documents to the user in private and to the group in groups', () => {
    expect(ownerOf({ id: 5, type: 'private' }, 5)).toBe(OwnerId.user(5));
    expect(ownerOf({ id: -10, type: 'supergroup' }, 5)).toBe(OwnerId.chat(-10));
    expect(chatKeyOf({ id: -10, type: 'group' }, 5)).toBe('-10:5');
  });

  it.each([
    ['mention', 'hello all', false, undefined],
    ['mention', '@DocBot, what is X?', false, 'what is X?'],
    ['mention', 'follow-up', true, 'follow-up'],
    ['reply', '@docbot what?', false, 'what?'],
    ['reply', 'plain', false, undefined],
    ['keyword', 'hey docs: what is X?', false, 'hey docs: what is X?'],
    ['keyword', 'mydocs are here', false, undefined],
    ['open', 'anything', false, 'anything'],
  ] as const)('GROUP_POLICY=%s: %j -> %j', (policyName, text, repliesToBot, expected) => {
    const mentions = [...text.matchAll(/@\w+/g)].map((m) => m[0]);
    expect(groupQuestion(policyName, { text, mentions, repliesToBot }, { username: 'docbot', keywords: ['docs'] })).toBe(expected);
  });

  it('strips @botname anywhere', () => {
    expect(stripMention('what @docbot is this', 'docbot')).toBe('what is this');
  });
});

describe('counters, usage and in-flight answers', () => {
  it('counts with expiry and claims once', async () => {
    const clock = new FakeClock(0);
    const c = createMemoryCounters(clock);
    expect(await c.increment('a', 2, 100)).toBe(2);
    expect(await c.increment('a', 3, 100)).toBe(5);
    expect(await c.claim('u1', 100)).toBe(true);
    expect(await c.claim('u1', 100)).toBe(false);
    clock.advance(101);
    expect(await c.get('a')).toBe(0);
    expect(await c.claim('u1', 100)).toBe(true);
    const store = ratelimiterStore(c, 1000);
    expect(await store.incr('7')).toBe(1);
    expect(await store.incr('7')).toBe(2);
  });

  it('enforces the daily budget per UTC day and lists usage for admins', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1, 23, 0));
    const usage = createUsageTracker(createMemoryCounters(clock), { dailyTokenLimit: 100, clock });
    await usage.record(1, 'tokens', 100);
    await usage.record(2, 'questions', 1);
    await expect(usage.assertWithinBudget(1)).rejects.toMatchObject({ detail: { code: 'budget_exceeded', used: 100, limit: 100 } });
    await expect(usage.assertWithinBudget(2)).resolves.toBeUndefined();
    expect((await usage.all()).map((u) => u.userId)).toEqual([1, 2]);
    clock.advance(2 * 60 * 60 * 1000); // next UTC day
    await expect(usage.assertWithinBudget(1)).resolves.toBeUndefined();
  });

  it('runs one job per user and cancels it', async () => {
    const inFlight = createInFlight();
    const a = (await inFlight.begin(1, 'answer'))!;
    await expect(inFlight.begin(1, 'answer')).resolves.toBeUndefined();
    expect(inFlight.cancel(1)).toBe('answer');
    expect(a.signal.aborted).toBe(true);
    expect(inFlight.cancel(1)).toBeUndefined();
    const b = (await inFlight.begin(2, 'summary'))!;
    const drained = inFlight.drain(1000);
    await inFlight.end(2, b);
    await expect(drained).resolves.toBe(true);
    // Shutdown: everything is aborted, and drain waits until each job has ended (said "Stopped").
    const c = (await inFlight.begin(3, 'answer'))!;
    expect(inFlight.cancelAll()).toBe(1);
    expect(c.signal.aborted).toBe(true);
    await expect(inFlight.drain(20)).resolves.toBe(false);
    await inFlight.end(3, c);
    await expect(inFlight.drain(20)).resolves.toBe(true);
  });

  describe('with a shared lock', () => {
    /** An in-memory SharedLock that records calls and can hold `acquire` until released by the test. */
    function fakeLock() {
      const held = new Map<string, string>();
      const calls: string[] = [];
      let gate: Promise<void> | undefined;
      let n = 0;
      const lock: SharedLock = {
        async acquire(key) {
          calls.push(`acquire ${key}`);
          await gate;
          if (held.has(key)) return undefined;
          const token = `t${++n}`;
          held.set(key, token);
          return token;
        },
        async renew(key, token) {
          calls.push(`renew ${key}`);
          return held.get(key) === token;
        },
        async release(key, token) {
          calls.push(`release ${key}`);
          if (held.get(key) !== token) return false;
          held.delete(key);
          return true;
        },
        async holds(key, token) {
          return held.get(key) === token;
        },
      };
      return { lock, held, calls, hold: () => { let open!: () => void; gate = new Promise((r) => (open = r)); return () => { gate = undefined; open(); }; } };
    }

    it('takes the lease on begin, gives it back on end, and refuses a user another process holds', async () => {
      const { lock, held, calls } = fakeLock();
      const inFlight = createInFlight({ lock });
      held.set(inFlightLockKey(9), 'another-process');
      await expect(inFlight.begin(9, 'answer')).resolves.toBeUndefined();
      expect(inFlight.size).toBe(0);

      const a = (await inFlight.begin(1, 'answer'))!;
      expect(held.get(inFlightLockKey(1))).toBeDefined();
      await inFlight.end(1, a);
      expect(held.has(inFlightLockKey(1))).toBe(false);
      await inFlight.end(1, a); // a second end releases nothing more
      expect(calls.filter((c) => c.startsWith('release'))).toEqual([`release ${inFlightLockKey(1)}`]);
    });

    it('lets one of two concurrent updates of a process through before Redis answers', async () => {
      const { lock, hold, calls } = fakeLock();
      const inFlight = createInFlight({ lock });
      const open = hold();
      const first = inFlight.begin(1, 'answer');
      const second = inFlight.begin(1, 'answer');
      open();
      expect(await second).toBeUndefined();
      expect(await first).toBeInstanceOf(AbortController);
      expect(calls.filter((c) => c.startsWith('acquire'))).toHaveLength(1);
    });

    it('cancel frees the lease at once; a job cancelled while acquiring gives it back', async () => {
      const { lock, held, hold } = fakeLock();
      const inFlight = createInFlight({ lock });
      const a = (await inFlight.begin(1, 'answer'))!;
      expect(inFlight.cancel(1)).toBe('answer');
      await expect.poll(() => held.has(inFlightLockKey(1))).toBe(false);
      const b = (await inFlight.begin(1, 'answer'))!;
      await inFlight.end(1, a); // the cancelled job ending late does not free the new one's lease
      expect(held.has(inFlightLockKey(1))).toBe(true);
      await inFlight.end(1, b);

      const open = hold();
      const pending = inFlight.begin(2, 'answer');
      expect(inFlight.cancel(2)).toBe('answer');
      open();
      const c = (await pending)!;
      expect(c.signal.aborted).toBe(true);
      expect(held.has(inFlightLockKey(2))).toBe(false);
    });

    /** An in-memory SharedCancel over a fake lock's `held` map: every subscriber sees every request. */
    function fakeCancel(held: Map<string, string>): SharedCancel {
      const handlers = new Set<(key: string, token: string) => void>();
      return {
        async request(key) {
          const token = held.get(key);
          if (token === undefined) return undefined;
          for (const handler of handlers) handler(key, token);
          return token;
        },
        subscribe(handler) {
          handlers.add(handler);
          return () => void handlers.delete(handler);
        },
      };
    }

    it('requestCancel stops a job here, asks the process holding the lease otherwise, and says when nothing runs', async () => {
      const { lock, held, hold } = fakeLock();
      const cancels = fakeCancel(held);
      const a = createInFlight({ lock, cancels });
      const b = createInFlight({ lock, cancels });
      const job = (await a.begin(1, 'answer'))!;
      await expect(b.requestCancel(1)).resolves.toBe('elsewhere');
      expect(job.signal.aborted).toBe(true);
      await expect.poll(() => held.has(inFlightLockKey(1))).toBe(false);
      await expect(b.requestCancel(1)).resolves.toBeUndefined();
      const here = (await b.begin(1, 'answer'))!;
      await expect(b.requestCancel(1)).resolves.toBe('here');
      expect(here.signal.aborted).toBe(true);
      // A request naming another token (a job that has ended since) stops nothing.
      const later = (await a.begin(1, 'answer'))!;
      held.set(inFlightLockKey(1), 'someone-else');
      await expect(createInFlight({ lock, cancels, cancelWaitMs: 50 }).requestCancel(1)).resolves.toBe('released');
      expect(later.signal.aborted).toBe(false);
      // A request that arrives while the holder is still waiting for its own acquire is honoured after it.
      const open = hold();
      const pending = a.begin(2, 'answer');
      held.set(inFlightLockKey(2), 't4'); // the token the fake lock hands out next (t1..t3 above)
      await cancels.request(inFlightLockKey(2));
      held.delete(inFlightLockKey(2));
      open();
      const raced = (await pending)!;
      expect(raced.signal.aborted).toBe(true);
      expect(held.has(inFlightLockKey(2))).toBe(false);
      // Without a SharedCancel it is the local cancel.
      const local = createInFlight({ lock });
      held.set(inFlightLockKey(3), 'another-process');
      await expect(local.requestCancel(3)).resolves.toBeUndefined();
    });

    it("requestCancel frees a lease whose process is gone, after waiting for it, and only that lease", async () => {
      const { lock, held } = fakeLock();
      const cancels = fakeCancel(held);
      const warnings: string[] = [];
      const b = createInFlight({ lock, cancels, cancelWaitMs: 200, logger: { warn: (_obj, msg) => warnings.push(msg ?? '') } });
      // A lease no live process answers for (its process crashed mid-answer).
      held.set(inFlightLockKey(1), 'dead-process');
      const started = performance.now();
      await expect(b.requestCancel(1)).resolves.toBe('released');
      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
      expect(held.has(inFlightLockKey(1))).toBe(false);
      expect(warnings).toEqual(['released an in-flight lock whose process did not answer /cancel']);
      // The user can ask again at once.
      const next = (await b.begin(1, 'answer'))!;
      await b.end(1, next);

      // A live process stops the job and gives the lease back: /cancel returns without waiting it out.
      const a = createInFlight({ lock, cancels });
      const patient = createInFlight({ lock, cancels, cancelWaitMs: 10_000 });
      const job = (await a.begin(2, 'answer'))!;
      const quick = performance.now();
      await expect(patient.requestCancel(2)).resolves.toBe('elsewhere');
      expect(performance.now() - quick).toBeLessThan(5_000);
      expect(job.signal.aborted).toBe(true);

      // A lease taken anew while /cancel waited is someone else's: it stays.
      held.set(inFlightLockKey(3), 'old');
      const pending = b.requestCancel(3);
      held.set(inFlightLockKey(3), 'new');
      await expect(pending).resolves.toBe('elsewhere');
      expect(held.get(inFlightLockKey(3))).toBe('new');
    });

    it('renews the lease while the job runs and reports a lost one', async () => {
      const { lock, held, calls } = fakeLock();
      const warnings: string[] = [];
      const inFlight = createInFlight({ lock, lockTtlMs: 30, logger: { warn: (_obj, msg) => warnings.push(msg ?? '') } });
      const a = (await inFlight.begin(1, 'answer'))!;
      await expect.poll(() => calls.filter((c) => c.startsWith('renew')).length).toBeGreaterThanOrEqual(2);
      held.set(inFlightLockKey(1), 'someone-else');
      await expect.poll(() => warnings).toContain('the in-flight lock expired while the job ran');
      await inFlight.end(1, a);
      expect(held.get(inFlightLockKey(1))).toBe('someone-else');
    });

    it('fails begin when the lock cannot be reached, leaving nothing behind', async () => {
      const inFlight = createInFlight({
        lock: { acquire: () => Promise.reject(new Error('redis down')), renew: async () => true, release: async () => true, holds: async () => false },
      });
      await expect(inFlight.begin(1, 'answer')).rejects.toThrow('redis down');
      expect(inFlight.size).toBe(0);
    });
  });
});

describe('summarize', () => {
  const parents = Array.from({ length: 6 }, (_, i) => ({ ...makeSource(i + 1, 'book.epub').parent, tokenCount: 400 }));

  it('packs parents into batches under the token budget', () => {
    expect(packBatches(parents, 1000).map((b) => b.length)).toEqual([2, 2, 2]);
    expect(packBatches(parents, 100).map((b) => b.length)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('maps each batch and reduces the partial summaries', async () => {
    const generator = new FakeGenerator({ script: (req) => [`summary of ${req.messages[1]!.content.length} chars`] });
    const progress: string[] = [];
    const result = await summarizeParents(generator, 'book.epub', parents, { batchTokens: 1000, maxTokens: 100, onProgress: (d, t) => progress.push(`${d}/${t}`) });
    expect(generator.requests).toHaveLength(4);
    expect(generator.requests[3]!.messages[0]!.content).toMatch(/combine partial summaries/);
    expect(result.text).toMatch(/^summary of/);
    expect(result.calls).toBe(4);
    expect(progress.at(-1)).toBe('4/4');
  });

  it('labels an extractive summary when no LLM is configured', async () => {
    const result = await summarizeParents(new FakeGenerator({ kind: 'extractive' }), 'book.epub', parents, { batchTokens: 1000, maxTokens: 100 });
    expect(result.extractive).toBe(true);
    expect(result.text).toContain('Passage 1 of book.epub.');
  });
});
