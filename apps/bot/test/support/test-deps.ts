/** BotDeps for unit tests: in-memory everything, a fake Telegram, a scripted answer use case. */
import type { AnswerQuestion, ChatTurn, IngestDocument } from '@docrag/domain';
import { FakeClock, FakeGenerator, InMemoryFileRegistry, InMemoryVectorStore } from '@docrag/testing';
import { MemorySessionStorage } from 'grammy';
import { createBot } from '../../src/bot';
import type { SessionData } from '../../src/context';
import { settingsFromConfig, silentLogger, type BotDeps } from '../../src/deps';
import { loadConfig } from '../../src/config';
import { createMemoryCounters } from '../../src/services/counters';
import { createInFlight } from '../../src/services/in-flight';
import { createSessionChatHistory } from '../../src/services/session-history';
import { createUsageTracker } from '../../src/services/usage';
import { BOT_INFO, createFakeTelegram } from './fake-telegram';

export function makeTestBot(options: {
  env?: Record<string, string>;
  answerQuestion?: AnswerQuestion;
  ingestDocument?: IngestDocument;
  download?: (path: string) => Promise<Uint8Array>;
  deps?: Partial<BotDeps>;
} = {}) {
  const config = loadConfig({
    TELEGRAM_TOKEN: '123:TEST',
    ALLOWED_USER_IDS: '42,43',
    ADMIN_USER_IDS: '7',
    DRAFT_INTERVAL_MS: '50',
    PROGRESS_EDIT_INTERVAL_MS: '0',
    ...options.env,
  });
  const telegram = createFakeTelegram();
  const clock = new FakeClock(Date.UTC(2026, 10, 25, 12));
  const counters = createMemoryCounters(clock);
  const sessions = new MemorySessionStorage<unknown>();
  const deps: BotDeps = {
    settings: settingsFromConfig(config, BOT_INFO),
    answerQuestion:
      options.answerQuestion ??
      (async function* () {
        yield* [];
        throw new Error('no answer scripted');
      }),
    ingestDocument: options.ingestDocument ?? (async () => {
      throw new Error('no ingest scripted');
    }),
    store: new InMemoryVectorStore(),
    registry: new InMemoryFileRegistry(),
    generator: new FakeGenerator(),
    history: createSessionChatHistory(sessions as MemorySessionStorage<ChatTurn[]>),
    sessionStorage: sessions as MemorySessionStorage<SessionData>,
    counters,
    usage: createUsageTracker(counters, { dailyTokenLimit: config.USER_DAILY_TOKENS, clock }),
    inFlight: createInFlight(),
    clock,
    logger: silentLogger,
    downloadFile: options.download ?? (async () => new Uint8Array([1, 2, 3])),
    apiTransformers: [telegram.transformer],
    ...options.deps,
  };
  const bot = createBot(deps);
  return { bot, deps, telegram, config, clock, sessions };
}
