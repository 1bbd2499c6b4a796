import type { Registry } from 'prom-client';
import { createActiveUsers, type ActiveUsersOptions } from './active-users';
import {
  ACTIVE_USERS,
  EMBEDDING_CACHE_LOOKUPS,
  INGESTION_CHUNKS,
  INGESTION_DURATION,
  INGESTION_FILES,
  LLM_COST,
  LLM_ERRORS,
  LLM_TOKENS,
  RAG_ERRORS,
  RAG_QUESTION_DURATION,
  RAG_QUESTIONS,
  TELEGRAM_API_DURATION,
  TELEGRAM_API_ERRORS,
  TELEGRAM_UPDATES,
  type CacheOutcome,
  type IngestionOutcome,
  type QuestionOutcome,
  type QuestionStage,
} from './metric-names';
import { DEFAULT_LLM_PRICES, estimateCostUsd, type PriceTable } from './price-table';
import { counterFrom, createLabelGuard, gaugeFrom, histogramFrom } from './registry';
import { safely } from './safe';

/**
 * The bot's metrics, behind methods that never throw. Names and labels come from
 * `metric-names.ts`; callers never see prom-client.
 */
export interface BotMetrics {
  /** Time of one question stage, in seconds. */
  observeStage(stage: QuestionStage, seconds: number): void;
  /** One question finished with this outcome. */
  questionFinished(outcome: QuestionOutcome): void;
  /** An error by type (a RagError code, or `internal`). */
  error(type: string): void;
  cacheLookup(outcome: CacheOutcome): void;
  fileIngested(event: { format: string; outcome: IngestionOutcome; seconds: number; chunks?: number }): void;
  /** Tokens used by one LLM call; also adds its estimated cost. */
  llmUsage(event: { model: string; inputTokens: number; outputTokens: number }): void;
  llmError(type: string): void;
  /** One outgoing Telegram API call; `errorCode` when it failed (429, 400, `network`...). */
  telegramCall(event: { method: string; seconds: number; errorCode?: string | number }): void;
  /** One incoming update; `userId` feeds the active-user gauge (it is never a label). */
  update(event: { updateType: string; userId?: string | number }): void;
}

export interface BotMetricsOptions {
  readonly prices?: PriceTable;
  readonly activeUsers?: ActiveUsersOptions;
}

/** Registers the bot's metrics on `registry` and returns the recording methods. */
export function createBotMetrics(registry: Registry, options: BotMetricsOptions = {}): BotMetrics {
  const prices = options.prices ?? DEFAULT_LLM_PRICES;
  const stageDuration = histogramFrom(registry, RAG_QUESTION_DURATION);
  const questions = counterFrom(registry, RAG_QUESTIONS);
  const errors = counterFrom(registry, RAG_ERRORS);
  const cache = counterFrom(registry, EMBEDDING_CACHE_LOOKUPS);
  const ingestFiles = counterFrom(registry, INGESTION_FILES);
  const ingestChunks = counterFrom(registry, INGESTION_CHUNKS);
  const ingestDuration = histogramFrom(registry, INGESTION_DURATION);
  const tokens = counterFrom(registry, LLM_TOKENS);
  const cost = counterFrom(registry, LLM_COST);
  const llmErrors = counterFrom(registry, LLM_ERRORS);
  const telegramDuration = histogramFrom(registry, TELEGRAM_API_DURATION);
  const telegramErrors = counterFrom(registry, TELEGRAM_API_ERRORS);
  const updates = counterFrom(registry, TELEGRAM_UPDATES);
  const active = createActiveUsers(options.activeUsers);
  gaugeFrom(registry, ACTIVE_USERS, function collect() {
    for (const [window, count] of Object.entries(active.counts())) this.set({ window }, count);
  });
  const model = createLabelGuard();
  const method = createLabelGuard(100);
  const errorType = createLabelGuard();
  const format = createLabelGuard(20);
  const updateType = createLabelGuard(30);

  // Pre-create the zero series for the label values we know, so rate() and ratios have data from the
  // first scrape instead of appearing only after the first event.
  safely('bot-metrics.init', () => {
    for (const outcome of ['generated', 'extractive', 'no_sources', 'error', 'cancelled'] as const) questions.inc({ outcome }, 0);
    for (const outcome of ['hit', 'miss'] as const) cache.inc({ outcome }, 0);
  });

  return {
    observeStage: (stage, seconds) => safely('bot-metrics.stage', () => stageDuration.observe({ stage }, seconds)),
    questionFinished: (outcome) => safely('bot-metrics.question', () => questions.inc({ outcome })),
    error: (type) => safely('bot-metrics.error', () => errors.inc({ type: errorType(type) })),
    cacheLookup: (outcome) => safely('bot-metrics.cache', () => cache.inc({ outcome })),
    fileIngested: (event) =>
      safely('bot-metrics.ingestion', () => {
        const labels = { format: format(event.format), outcome: event.outcome };
        ingestFiles.inc(labels);
        ingestDuration.observe(labels, event.seconds);
        if (event.chunks) ingestChunks.inc({ format: labels.format }, event.chunks);
      }),
    llmUsage: (event) =>
      safely('bot-metrics.llm-usage', () => {
        const name = model(event.model);
        tokens.inc({ model: name, kind: 'input' }, event.inputTokens);
        tokens.inc({ model: name, kind: 'output' }, event.outputTokens);
        cost.inc({ model: name }, estimateCostUsd(event.model, event, prices));
      }),
    llmError: (type) => safely('bot-metrics.llm-error', () => llmErrors.inc({ type: errorType(type) })),
    telegramCall: (event) =>
      safely('bot-metrics.telegram', () => {
        const name = method(event.method);
        telegramDuration.observe({ method: name }, event.seconds);
        if (event.errorCode !== undefined) telegramErrors.inc({ method: name, code: String(event.errorCode) });
      }),
    update: (event) =>
      safely('bot-metrics.update', () => {
        updates.inc({ update_type: updateType(event.updateType) });
        if (event.userId !== undefined) active.seen(event.userId);
      }),
  };
}
