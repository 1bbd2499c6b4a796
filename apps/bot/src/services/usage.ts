/**
 * Per-user daily usage (LLM tokens, questions, uploads) and the USER_DAILY_TOKENS budget, kept in
 * the shared counters so that several bot processes enforce one budget.
 */
import { RagError, type Clock } from '@docrag/domain';
import type { SharedCounters } from './counters';

const DAY_MS = 86_400_000;
/** Keys outlive their day a little so "yesterday" can still be shown around midnight. */
const KEY_TTL_MS = 2 * DAY_MS;

export type UsageKind = 'tokens' | 'questions' | 'uploads';

export interface UserUsage {
  readonly day: string;
  readonly tokens: number;
  readonly questions: number;
  readonly uploads: number;
  /** 0 = unlimited. */
  readonly dailyTokenLimit: number;
}

export interface UsageTracker {
  /** Throws `budget_exceeded` when the user has spent the day's tokens. */
  assertWithinBudget(userId: number): Promise<void>;
  record(userId: number, kind: UsageKind, amount: number): Promise<void>;
  get(userId: number): Promise<UserUsage>;
  /** Today's usage of every user seen today, most tokens first (admins). */
  all(): Promise<Array<UserUsage & { userId: number }>>;
}

/** UTC day as `YYYY-MM-DD`: budgets reset at 00:00 UTC for everyone. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

export function createUsageTracker(counters: SharedCounters, options: { dailyTokenLimit: number; clock: Clock }): UsageTracker {
  const key = (day: string, kind: UsageKind, userId: number) => `usage:${day}:${kind}:${userId}`;
  const today = () => utcDay(options.clock.now());
  const get = async (userId: number): Promise<UserUsage> => {
    const day = today();
    const [tokens, questions, uploads] = await Promise.all([
      counters.get(key(day, 'tokens', userId)),
      counters.get(key(day, 'questions', userId)),
      counters.get(key(day, 'uploads', userId)),
    ]);
    return { day, tokens, questions, uploads, dailyTokenLimit: options.dailyTokenLimit };
  };
  return {
    async assertWithinBudget(userId) {
      if (options.dailyTokenLimit <= 0) return;
      const used = await counters.get(key(today(), 'tokens', userId));
      if (used >= options.dailyTokenLimit) {
        throw new RagError({ code: 'budget_exceeded', limit: options.dailyTokenLimit, used });
      }
    },
    async record(userId, kind, amount) {
      if (amount <= 0) return;
      await counters.increment(key(today(), kind, userId), Math.round(amount), KEY_TTL_MS);
    },
    get,
    async all() {
      const day = today();
      const users = new Set<number>();
      for (const kind of ['tokens', 'questions', 'uploads'] as const) {
        for (const [k] of await counters.entries(`usage:${day}:${kind}:`)) users.add(Number(k.slice(k.lastIndexOf(':') + 1)));
      }
      const rows = await Promise.all([...users].map(async (userId) => ({ userId, ...(await get(userId)) })));
      return rows.sort((a, b) => b.tokens - a.tokens || b.questions - a.questions);
    },
  };
}
