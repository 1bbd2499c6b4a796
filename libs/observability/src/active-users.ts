/**
 * Counts distinct users seen within sliding windows, for the `bot_active_users{window}` gauge.
 * User ids stay in process memory only (never in a label or a log line), and the set is bounded.
 */
export interface ActiveUsersOptions {
  /** Window name -> length in milliseconds. Default 5m, 1h, 24h. */
  readonly windows?: Readonly<Record<string, number>>;
  /** Most users remembered; the least recently seen are forgotten first (default 100 000). */
  readonly maxTracked?: number;
  readonly now?: () => number;
}

export interface ActiveUsers {
  /** Records activity of one user. */
  seen(userId: string | number): void;
  /** Distinct users per window, as of now. */
  counts(): Record<string, number>;
}

export const DEFAULT_ACTIVE_USER_WINDOWS: Readonly<Record<string, number>> = {
  '5m': 5 * 60_000,
  '1h': 60 * 60_000,
  '24h': 24 * 60 * 60_000,
};

export function createActiveUsers(options: ActiveUsersOptions = {}): ActiveUsers {
  const windows = options.windows ?? DEFAULT_ACTIVE_USER_WINDOWS;
  const maxTracked = options.maxTracked ?? 100_000;
  const now = options.now ?? Date.now;
  const longest = Math.max(...Object.values(windows));
  // A Map iterates in insertion order; deleting and re-inserting on every sighting keeps it ordered
  // by last activity, so pruning stops at the first entry that is still inside the longest window.
  const lastSeen = new Map<string | number, number>();

  function prune(at: number): void {
    for (const [id, time] of lastSeen) {
      if (at - time <= longest && lastSeen.size <= maxTracked) break;
      lastSeen.delete(id);
    }
  }

  return {
    seen(userId) {
      const at = now();
      lastSeen.delete(userId);
      lastSeen.set(userId, at);
      if (lastSeen.size > maxTracked) prune(at);
    },
    counts() {
      const at = now();
      prune(at);
      const result: Record<string, number> = {};
      for (const name of Object.keys(windows)) result[name] = 0;
      for (const time of lastSeen.values()) {
        for (const [name, length] of Object.entries(windows)) {
          if (at - time <= length) result[name] = (result[name] ?? 0) + 1;
        }
      }
      return result;
    },
  };
}
