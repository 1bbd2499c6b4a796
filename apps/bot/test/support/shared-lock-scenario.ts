/**
 * One script of `SharedLock` cases played by two lock instances standing for two processes or
 * isolates over one store, returning what each step observed. Plain TypeScript with no Node or test
 * imports, so Deno runs it too (`kv-lock-under-deno.ts`, against a real Deno KV file) and the
 * vitest side compares both runs with {@link EXPECTED_LOCK_SCENARIO}. Expiry is real time (short TTLs).
 */
import { createInFlight } from '../../src/services/in-flight';
import type { SharedCancel, SharedLock } from '../../src/services/in-flight';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** An acquire's or begin's result as JSON can carry it (a token or a controller: 'granted'). */
const outcome = (result: unknown): 'granted' | 'refused' => (result === undefined ? 'refused' : 'granted');

export async function runLockScenario(a: SharedLock, b: SharedLock): Promise<Record<string, unknown>> {
  const seen: Record<string, unknown> = {};

  // Mutual exclusion, per key.
  const tokenA = await a.acquire('in-flight:1', 10_000);
  seen['a acquires a free key'] = typeof tokenA === 'string';
  seen['b is refused while a holds it'] = outcome(await b.acquire('in-flight:1', 10_000));
  seen['a is refused too (one lease per key)'] = outcome(await a.acquire('in-flight:1', 10_000));
  const other = await b.acquire('in-flight:2', 10_000);
  seen['another user is unaffected'] = typeof other === 'string';
  seen["b sees a's token holding the key"] = await b.holds('in-flight:1', tokenA!);
  seen['no other token holds it'] = await b.holds('in-flight:1', other!);

  // Only the owner's token releases or renews.
  seen['b cannot release with a wrong token'] = await b.release('in-flight:1', 'not-the-owner');
  seen['b cannot renew with a wrong token'] = await b.renew('in-flight:1', 'not-the-owner', 10_000);
  seen["b cannot use another key's token"] = await b.release('in-flight:1', other!);
  seen['still held after the failed attempts'] = outcome(await b.acquire('in-flight:1', 10_000));
  seen['a releases its own lease'] = await a.release('in-flight:1', tokenA!);
  seen['a second release is a no-op'] = await a.release('in-flight:1', tokenA!);
  seen['a released token holds nothing'] = await b.holds('in-flight:1', tokenA!);
  const tokenB = await b.acquire('in-flight:1', 10_000);
  seen['b acquires after the release'] = typeof tokenB === 'string' && tokenB !== tokenA;
  seen['b releases'] = await b.release('in-flight:1', tokenB!);
  seen['b releases the other user'] = await b.release('in-flight:2', other!);

  // An expired lease is free, and its stale owner can neither renew nor release its successor's.
  const stale = await a.acquire('in-flight:3', 150);
  await sleep(300);
  const successor = await b.acquire('in-flight:3', 10_000);
  seen['b takes over an expired lease'] = typeof successor === 'string' && successor !== stale;
  seen['an expired token holds nothing'] = await a.holds('in-flight:3', stale!);
  seen['the stale owner cannot renew'] = await a.renew('in-flight:3', stale!, 10_000);
  seen['the stale owner cannot release'] = await a.release('in-flight:3', stale!);
  seen["the successor's lease still holds"] = outcome(await a.acquire('in-flight:3', 10_000));
  seen['the successor releases'] = await b.release('in-flight:3', successor!);

  // Renewal by the owner extends the lease past its first expiry.
  const renewed = await a.acquire('in-flight:4', 300);
  await sleep(200);
  seen['the owner renews'] = await a.renew('in-flight:4', renewed!, 300);
  await sleep(200);
  seen['held past the first expiry'] = outcome(await b.acquire('in-flight:4', 10_000));
  seen['the owner releases the renewed lease'] = await a.release('in-flight:4', renewed!);

  // The same through the in-flight guard: two isolates, one user, renewal while the job runs.
  const guardA = createInFlight({ lock: a, lockTtlMs: 300 });
  const guardB = createInFlight({ lock: b, lockTtlMs: 300 });
  const job = await guardA.begin(5, 'answer');
  seen['guard a begins'] = job instanceof AbortController;
  seen['guard b refuses the same user'] = outcome(await guardB.begin(5, 'answer'));
  const otherJob = await guardB.begin(6, 'answer');
  seen['guard b begins for another user'] = otherJob instanceof AbortController;
  await sleep(700);
  seen['guard b still refuses after twice the TTL (renewed)'] = outcome(await guardB.begin(5, 'answer'));
  await guardA.end(5, job!);
  const next = await guardB.begin(5, 'answer');
  seen['guard b begins once a ends'] = next instanceof AbortController;
  await guardB.end(5, next!);
  await guardB.end(6, otherJob!);
  return seen;
}

/** What every run of {@link runLockScenario} must observe. */
export const EXPECTED_LOCK_SCENARIO: Record<string, unknown> = {
  'a acquires a free key': true,
  'b is refused while a holds it': 'refused',
  'a is refused too (one lease per key)': 'refused',
  'another user is unaffected': true,
  "b sees a's token holding the key": true,
  'no other token holds it': false,
  'b cannot release with a wrong token': false,
  'b cannot renew with a wrong token': false,
  "b cannot use another key's token": false,
  'still held after the failed attempts': 'refused',
  'a releases its own lease': true,
  'a second release is a no-op': false,
  'a released token holds nothing': false,
  'b acquires after the release': true,
  'b releases': true,
  'b releases the other user': true,
  'b takes over an expired lease': true,
  'an expired token holds nothing': false,
  'the stale owner cannot renew': false,
  'the stale owner cannot release': false,
  "the successor's lease still holds": 'refused',
  'the successor releases': true,
  'the owner renews': true,
  'held past the first expiry': 'refused',
  'the owner releases the renewed lease': true,
  'guard a begins': true,
  'guard b refuses the same user': 'refused',
  'guard b begins for another user': true,
  'guard b still refuses after twice the TTL (renewed)': 'refused',
  'guard b begins once a ends': true,
};

/** One process's or isolate's view of the shared store: its lock and its cancel channel. */
export interface SharedGuardParts {
  readonly lock: SharedLock;
  readonly cancels: SharedCancel;
}

/**
 * /cancel across processes or isolates, through two in-flight guards over one store: a request from
 * B stops A's answer and frees the user, and a lease whose holder is gone is released after the wait.
 */
export async function runCancelScenario(a: SharedGuardParts, b: SharedGuardParts): Promise<Record<string, unknown>> {
  const seen: Record<string, unknown> = {};
  const guardA = createInFlight({ lock: a.lock, cancels: a.cancels, lockTtlMs: 10_000, cancelWaitMs: 5_000 });
  const guardB = createInFlight({ lock: b.lock, cancels: b.cancels, lockTtlMs: 10_000, cancelWaitMs: 5_000 });

  const job = await guardA.begin(7, 'answer');
  seen['b refuses while a answers'] = outcome(await guardB.begin(7, 'answer'));
  seen["b's /cancel stops the answer running in a"] = await guardB.requestCancel(7);
  seen["a's answer was aborted"] = job?.signal.aborted;
  const next = await guardB.begin(7, 'answer');
  seen['b answers the next question'] = outcome(next);
  await guardB.end(7, next!);
  await guardA.end(7, job!);
  seen['/cancel with nothing running anywhere'] = (await guardB.requestCancel(8)) ?? 'nothing';

  // A lease whose holder is gone (no job watches it): released once the wait is over.
  const orphan = await a.lock.acquire('in-flight:9', 10_000);
  seen['an orphaned lease is held'] = typeof orphan === 'string';
  const impatient = createInFlight({ lock: b.lock, cancels: b.cancels, lockTtlMs: 10_000, cancelWaitMs: 800 });
  seen['/cancel releases a lease whose holder is gone'] = await impatient.requestCancel(9);
  const after = await impatient.begin(9, 'answer');
  seen['the user can ask again at once'] = outcome(after);
  await impatient.end(9, after!);
  return seen;
}

/** What every run of {@link runCancelScenario} must observe. */
export const EXPECTED_CANCEL_SCENARIO: Record<string, unknown> = {
  'b refuses while a answers': 'refused',
  "b's /cancel stops the answer running in a": 'elsewhere',
  "a's answer was aborted": true,
  'b answers the next question': 'granted',
  '/cancel with nothing running anywhere': 'nothing',
  'an orphaned lease is held': true,
  '/cancel releases a lease whose holder is gone': 'released',
  'the user can ask again at once': 'granted',
};
