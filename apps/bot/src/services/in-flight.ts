/**
 * One answer in flight per user. A second question while one streams is refused (answers are
 * expensive and interleaved streams confuse people); /cancel aborts the running one through the
 * AbortController handed to the use case. Process-local by design: the stream lives in this process.
 */
export interface InFlight {
  /** Returns a controller, or undefined when the user already has something running. */
  begin(userId: number, label: string): AbortController | undefined;
  end(userId: number, controller: AbortController): void;
  /** Aborts the user's running job; returns its label, or undefined when nothing ran. */
  cancel(userId: number): string | undefined;
  /** Aborts everything (shutdown) and returns how many jobs were running; `drain` then waits for them to end. */
  cancelAll(reason?: string): number;
  /** Resolves when nothing is running, or after `timeoutMs`; true when drained. */
  drain(timeoutMs: number): Promise<boolean>;
  readonly size: number;
}

export function createInFlight(): InFlight {
  const jobs = new Map<number, { controller: AbortController; label: string }>();
  let waiters: Array<() => void> = [];
  const notify = () => {
    if (jobs.size > 0) return;
    const w = waiters;
    waiters = [];
    for (const fn of w) fn();
  };
  return {
    begin(userId, label) {
      if (jobs.has(userId)) return undefined;
      const controller = new AbortController();
      jobs.set(userId, { controller, label });
      return controller;
    },
    end(userId, controller) {
      if (jobs.get(userId)?.controller === controller) jobs.delete(userId);
      notify();
    },
    cancel(userId) {
      const job = jobs.get(userId);
      if (!job) return undefined;
      job.controller.abort(new Error('cancelled by the user'));
      jobs.delete(userId);
      notify();
      return job.label;
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
