/**
 * Background work that must finish (or be cancelled) before shutdown, and a per-key queue that
 * keeps one chat's updates in order when they are processed off the request path.
 */
export interface TaskTracker {
  track<T>(task: Promise<T>): Promise<T>;
  /** Resolves true when every tracked task settled, false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean>;
  readonly size: number;
}

export function createTaskTracker(): TaskTracker {
  const tasks = new Set<Promise<unknown>>();
  return {
    track(task) {
      const settled = task.then(
        () => undefined,
        () => undefined,
      );
      tasks.add(settled);
      void settled.then(() => tasks.delete(settled));
      return task;
    },
    async drain(timeoutMs) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      try {
        while (tasks.size > 0) {
          const done = await Promise.race([Promise.all([...tasks]).then(() => true as const), timeout]);
          if (!done) return false;
        }
        return true;
      } finally {
        clearTimeout(timer);
      }
    },
    get size() {
      return tasks.size;
    },
  };
}

/** Runs jobs with the same key one after another; different keys run concurrently. */
export function createKeyedQueue() {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string | undefined, job: () => Promise<T>): Promise<T> {
      if (key === undefined) return job();
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(job, job);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    get size() {
      return tails.size;
    },
  };
}
