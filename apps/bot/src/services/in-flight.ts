/**
 * One answer in flight per user. A second question while one streams is refused (answers are
 * expensive and interleaved streams confuse people); /cancel aborts the running one through the
 * AbortController handed to the use case.
 *
 * The guard is always kept in this process (the stream and its controller live here). With a
 * `SharedLock` (Redis when REDIS_URL is set; Deno KV on the edge) it is also a lease shared by every
 * bot process or isolate, so two webhook replicas cannot answer one user at once: taken on begin
 * only if free (`SET key token NX PX ttl`; a versionstamp-checked KV commit), renewed while the job
 * runs, deleted on end only by its owner (compare-and-delete). Without one (SQLite, tests) the guard
 * is process-local, which is exact for a single process.
 *
 * With a `SharedCancel` too (Redis pub/sub; on Deno KV a request key each job polls), /cancel
 * reaches an answer running in another process:
 * when nothing runs here but the user's lease is held, the request names the lease's token and the
 * process whose job holds that token aborts it as its own /cancel would, giving the lease back.
 * When the lease is still held by that token after ANSWER_CANCEL_WAIT_MS, no process is running
 * that answer any more (its process crashed or was killed, or it never got the request): the
 * lease is released there and then, so the user is not kept waiting for its TTL.
 */
import type { BotLogger } from '../deps';

/**
 * A lease on a key shared by every bot process. Only the holder of the token `acquire` returned
 * may renew or release it, so a process whose lease expired cannot delete its successor's.
 */
export interface SharedLock {
  /** Takes the key for `ttlMs`; returns the owner token, or undefined while someone else holds it. */
  acquire(key: string, ttlMs: number): Promise<string | undefined>;
  /** Extends the lease to `ttlMs` from now; false when `token` no longer owns the key (it expired). */
  renew(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Deletes the key if `token` still owns it; false when it did not (expired, or taken since). */
  release(key: string, token: string): Promise<boolean>;
  /** True while `token` holds a live lease on the key. */
  holds(key: string, token: string): Promise<boolean>;
}

/**
 * Cancel requests between the processes sharing a `SharedLock`. A request names a lease key and the
 * token holding it, so it can only stop the job that held the lease when it was sent.
 */
export interface SharedCancel {
  /**
   * Asks every process to abort the job that now holds `key`'s lease, and returns that lease's
   * token; undefined when no process holds it. Rejects when the shared store cannot be reached.
   */
  request(key: string): Promise<string | undefined>;
  /** Calls `handler` for every request of any process (this one included); returns the unsubscribe. */
  subscribe(handler: (key: string, token: string) => void): () => void;
  /**
   * For a store with no push channel (Deno KV): watches for a request naming `token` while one job
   * holds `key`'s lease, and calls `onCancel` once when one comes. Returns the stop function.
   * Stores that deliver requests to `subscribe` leave it out.
   */
  watch?(key: string, token: string, onCancel: () => void): () => void;
}

/**
 * What `requestCancel` did: stopped the job here, had the process running it stop it, or released
 * a lease whose process no longer answered (the job had died with it).
 */
export type CancelOutcome = 'here' | 'elsewhere' | 'released';

export interface InFlight {
  /**
   * Returns a controller, or undefined when the user already has something running (here or, with
   * a shared lock, in another process). Rejects when the shared lock cannot be reached.
   */
  begin(userId: number, label: string): Promise<AbortController | undefined>;
  /** Ends the job `begin` returned and releases its shared lease; never rejects. */
  end(userId: number, controller: AbortController): Promise<void>;
  /** Aborts the user's running job (in this process); returns its label, or undefined when nothing ran. */
  cancel(userId: number): string | undefined;
  /**
   * `cancel`, and when nothing runs here but another process holds the user's lease (with a
   * `SharedCancel`), asks that process to abort it and waits up to `cancelWaitMs` for the lease to
   * be given back, releasing it itself when it is not. Undefined when nothing ran anywhere; rejects
   * when the shared store cannot be reached.
   */
  requestCancel(userId: number): Promise<CancelOutcome | undefined>;
  /** Aborts everything (shutdown) and returns how many jobs were running; `drain` then waits for them to end. */
  cancelAll(reason?: string): number;
  /** Resolves when nothing is running, or after `timeoutMs`; true when drained. */
  drain(timeoutMs: number): Promise<boolean>;
  readonly size: number;
}

export interface InFlightOptions {
  /** Shares the guard between processes (Redis, Deno KV); absent, it is process-local. */
  readonly lock?: SharedLock;
  /** Lease lifetime in ms (ANSWER_LOCK_TTL_MS), renewed every third of it while the job runs. */
  readonly lockTtlMs?: number;
  /** Lets /cancel reach a job of another process (Redis pub/sub); used only with `lock`. */
  readonly cancels?: SharedCancel;
  /**
   * How long /cancel waits for another process to stop the job and give the lease back before
   * treating that process as gone and releasing the lease (ANSWER_CANCEL_WAIT_MS).
   */
  readonly cancelWaitMs?: number;
  /** Where lock renew/release failures are reported (they never fail the answer). */
  readonly logger?: Pick<BotLogger, 'warn'>;
}

/** ANSWER_LOCK_TTL_MS's default: well above the longest answer (LLM, ml-api and Qdrant timeouts in a row). */
export const DEFAULT_ANSWER_LOCK_TTL_MS = 300_000;

/**
 * ANSWER_CANCEL_WAIT_MS's default. A live process stops the job and gives its lease back within a
 * pub/sub hop and two Redis round trips (milliseconds); seconds of silence mean it is gone.
 */
export const DEFAULT_ANSWER_CANCEL_WAIT_MS = 3_000;

/** Key of a user's lease in the shared lock (the lock adds the bot's key prefix). */
export const inFlightLockKey = (userId: number): string => `in-flight:${userId}`;

interface Job {
  readonly controller: AbortController;
  readonly label: string;
  token?: string;
  renewTimer?: ReturnType<typeof setInterval>;
  /** Set once the shared lease is given back (or was never taken); later releases do nothing. */
  released: boolean;
  /** A remote cancel that arrived while `acquire` was still on its way back; honoured if it names our token. */
  cancelToken?: string;
  /** Stops watching for cancel requests (`SharedCancel.watch`). */
  unwatch?: () => void;
}

export function createInFlight(options: InFlightOptions = {}): InFlight {
  const { lock } = options;
  const cancels = lock ? options.cancels : undefined;
  const ttlMs = options.lockTtlMs ?? DEFAULT_ANSWER_LOCK_TTL_MS;
  const cancelWaitMs = options.cancelWaitMs ?? DEFAULT_ANSWER_CANCEL_WAIT_MS;
  const warn = (obj: object, msg: string) => {
    try {
      options.logger?.warn(obj, msg);
    } catch {
      // Logging never breaks the guard.
    }
  };
  const jobs = new Map<number, Job>();
  const byController = new WeakMap<AbortController, Job>();
  let waiters: Array<() => void> = [];
  const notify = () => {
    if (jobs.size > 0) return;
    const w = waiters;
    waiters = [];
    for (const fn of w) fn();
  };
  const forget = (userId: number, job: Job) => {
    if (jobs.get(userId) === job) jobs.delete(userId);
    notify();
  };

  async function releaseShared(userId: number, job: Job): Promise<void> {
    if (job.released) return;
    job.released = true;
    clearInterval(job.renewTimer);
    job.unwatch?.();
    if (!lock || job.token === undefined) return;
    try {
      await lock.release(inFlightLockKey(userId), job.token);
    } catch (error) {
      // The lease then ends by itself after ANSWER_LOCK_TTL_MS.
      warn({ user: userId, err: String(error) }, 'could not release the in-flight lock; it expires by itself');
    }
  }

  async function renew(userId: number, job: Job): Promise<void> {
    if (!lock || job.released || job.token === undefined) return;
    try {
      if (!(await lock.renew(inFlightLockKey(userId), job.token, ttlMs)) && !job.released) {
        // Expired (a long stall, or Redis lost it): another process may now answer this user too.
        clearInterval(job.renewTimer);
        warn({ user: userId, label: job.label }, 'the in-flight lock expired while the job ran');
      }
    } catch (error) {
      // A Redis blip: the lease still has two thirds of its life; the next tick tries again.
      warn({ user: userId, err: String(error) }, 'could not renew the in-flight lock');
    }
  }

  function cancel(userId: number): string | undefined {
    const job = jobs.get(userId);
    if (!job) return undefined;
    job.controller.abort(new Error('cancelled by the user'));
    jobs.delete(userId);
    // The user may ask again at once, as without a shared lock; the stopping job's `end` is then a no-op.
    void releaseShared(userId, job);
    notify();
    return job.label;
  }

  // Another process's /cancel: stop our job only if it still holds the lease the request names.
  cancels?.subscribe((key, token) => {
    for (const [userId, job] of jobs) {
      if (inFlightLockKey(userId) !== key) continue;
      if (job.token === token) cancel(userId);
      else if (job.token === undefined) job.cancelToken = token;
    }
  });

  return {
    async begin(userId, label) {
      if (jobs.has(userId)) return undefined;
      // The local slot is taken before awaiting Redis, so two updates of one process cannot both pass.
      const job: Job = { controller: new AbortController(), label, released: lock === undefined };
      jobs.set(userId, job);
      byController.set(job.controller, job);
      if (!lock) return job.controller;
      let token: string | undefined;
      try {
        token = await lock.acquire(inFlightLockKey(userId), ttlMs);
      } catch (error) {
        job.released = true;
        forget(userId, job);
        throw error;
      }
      if (token === undefined) {
        job.released = true;
        forget(userId, job);
        return undefined;
      }
      // Before the token is set, so the branch below gives the lease back as for a local /cancel.
      if (job.cancelToken === token && jobs.get(userId) === job) cancel(userId);
      job.token = token;
      if (job.released) {
        // Cancelled (/cancel, shutdown) while acquiring: give the lease back; the caller sees an aborted signal.
        job.released = false;
        await releaseShared(userId, job);
        return job.controller;
      }
      job.renewTimer = setInterval(() => void renew(userId, job), Math.max(1, Math.floor(ttlMs / 3)));
      // Never keep a stopping process alive for a renewal.
      (job.renewTimer as unknown as { unref?: () => void }).unref?.();
      job.unwatch = cancels?.watch?.(inFlightLockKey(userId), token, () => {
        if (jobs.get(userId) === job) cancel(userId);
      });
      return job.controller;
    },
    async end(userId, controller) {
      const job = byController.get(controller);
      // Released before the local slot is freed, so `drain` (shutdown) also waits for the lease to go.
      if (job) await releaseShared(userId, job);
      if (jobs.get(userId)?.controller === controller) jobs.delete(userId);
      notify();
    },
    cancel,
    async requestCancel(userId) {
      if (cancel(userId) !== undefined) return 'here';
      if (!lock || !cancels) return undefined;
      const key = inFlightLockKey(userId);
      const token = await cancels.request(key);
      if (token === undefined) return undefined;
      // The process running the job releases the lease as it stops; poll for that.
      const deadline = Date.now() + cancelWaitMs;
      const step = Math.max(5, Math.min(100, Math.floor(cancelWaitMs / 10)));
      while (Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, step));
        if (!(await lock.holds(key, token))) return 'elsewhere';
      }
      // Nobody acted on the request: the job died with its process. Free the user now (only this
      // lease: a newer one has another token) rather than after ANSWER_LOCK_TTL_MS.
      if (await lock.release(key, token)) {
        warn({ user: userId, waited_ms: cancelWaitMs }, 'released an in-flight lock whose process did not answer /cancel');
        return 'released';
      }
      return 'elsewhere';
    },
    cancelAll(reason = 'shutting down') {
      // Entries stay until each job calls `end`, so `drain` can wait for the cancelled answers to
      // tell their users before the process exits.
      for (const job of jobs.values()) job.controller.abort(new Error(reason));
      return jobs.size;
    },
    drain(timeoutMs) {
      if (jobs.size === 0) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== done);
          resolve(false);
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          resolve(true);
        };
        waiters.push(done);
      });
    },
    get size() {
      return jobs.size;
    },
  };
}

/**
 * The guard as both runtimes wire it: shared through the storage's lock and cancel channel when it
 * has them (Redis, Deno KV), process-local otherwise (SQLite).
 */
export function createInFlightForStorage(
  storage: { readonly locks?: SharedLock; readonly cancels?: SharedCancel },
  config: { readonly ANSWER_LOCK_TTL_MS: number; readonly ANSWER_CANCEL_WAIT_MS: number },
  logger: Pick<BotLogger, 'warn'>,
): InFlight {
  if (!storage.locks) return createInFlight({ logger });
  return createInFlight({
    lock: storage.locks,
    lockTtlMs: config.ANSWER_LOCK_TTL_MS,
    cancelWaitMs: config.ANSWER_CANCEL_WAIT_MS,
    logger,
    ...(storage.cancels ? { cancels: storage.cancels } : {}),
  });
}
