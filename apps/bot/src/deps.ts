/**
 * What `createBot` needs, as ports and plain options. main.ts (Node) and the Deno edge entry build
 * these; nothing here imports Node-only modules, so the same bot runs on both.
 */
import type {
  AnswerDeps,
  AnswerQuestion,
  ChatHistory,
  ChatTurn,
  Clock,
  FileRegistry,
  Generator,
  IngestDeps,
  IngestDocument,
  VectorStore,
} from '@docrag/domain';
import type { BotMetrics } from '@docrag/observability';
import type { MiddlewareFn, StorageAdapter, Transformer } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { Config } from './config';
import type { BotContext, SessionData } from './context';
import type { SharedCounters } from './services/counters';
import type { AccessPolicy, GroupPolicy } from './services/access';
import { createAccessPolicy } from './services/access';
import type { InFlight } from './services/in-flight';
import type { UsageTracker } from './services/usage';

export interface BotSettings {
  readonly token: string;
  readonly apiRoot: string;
  readonly maxFileBytes: number;
  readonly maxHistoryTurns: number;
  readonly access: AccessPolicy;
  readonly groupPolicy: GroupPolicy;
  readonly groupKeywords: readonly string[];
  readonly rateLimit: { readonly messages: number; readonly windowMs: number };
  readonly streamEditIntervalMs: number;
  readonly draftIntervalMs: number;
  readonly progressEditIntervalMs: number;
  readonly summary: { readonly batchTokens: number; readonly maxTokens: number };
  /** Known bot identity (skips getMe; tests and the edge pass it). */
  readonly botInfo?: UserFromGetMe;
}

/** Derives the bot's plain options from the parsed config. */
export function settingsFromConfig(config: Config, botInfo?: UserFromGetMe): BotSettings {
  return {
    token: config.TELEGRAM_TOKEN,
    apiRoot: config.TELEGRAM_API_ROOT,
    maxFileBytes: Math.floor(config.MAX_FILE_MB * 1024 * 1024),
    maxHistoryTurns: config.MAX_HISTORY_TURNS,
    access: createAccessPolicy({
      allowAll: config.ALLOW_ALL_USERS,
      allowedUserIds: config.ALLOWED_USER_IDS,
      allowedChatIds: config.ALLOWED_CHAT_IDS,
      adminUserIds: config.ADMIN_USER_IDS,
    }),
    groupPolicy: config.GROUP_POLICY,
    groupKeywords: config.GROUP_KEYWORDS,
    rateLimit: { messages: config.RATE_LIMIT_MESSAGES, windowMs: config.RATE_LIMIT_WINDOW_MS },
    streamEditIntervalMs: config.STREAM_EDIT_INTERVAL_MS,
    draftIntervalMs: config.DRAFT_INTERVAL_MS,
    progressEditIntervalMs: config.PROGRESS_EDIT_INTERVAL_MS,
    summary: { batchTokens: config.SUMMARY_BATCH_TOKENS, maxTokens: config.SUMMARY_MAX_TOKENS },
    ...(botInfo ? { botInfo } : {}),
  };
}

/** The answer use case's limits from config; the Node and the edge entries both spread these into `makeAnswerQuestion`. */
export function answerOptionsFromConfig(config: Config): Pick<AnswerDeps, 'retrievalLimit' | 'rerankTopK' | 'maxHistoryTurns' | 'maxTokens'> {
  return {
    retrievalLimit: config.RETRIEVAL_LIMIT,
    rerankTopK: config.RERANK_TOP_K,
    maxHistoryTurns: config.MAX_HISTORY_TURNS,
    maxTokens: config.LLM_MAX_TOKENS,
  };
}

/** The ingestion use case's sizes from config; the Node and the edge entries both spread these into `makeIngestDocument`. */
export function ingestOptionsFromConfig(config: Config): Pick<IngestDeps, 'maxFileBytes' | 'embedBatchSize' | 'parentTokens' | 'childTokens' | 'childOverlap'> {
  return {
    maxFileBytes: Math.floor(config.MAX_FILE_MB * 1024 * 1024),
    embedBatchSize: config.EMBED_BATCH_SIZE,
    parentTokens: config.CHUNK_PARENT_TOKENS,
    childTokens: config.CHUNK_CHILD_TOKENS,
    childOverlap: config.CHUNK_OVERLAP_TOKENS,
  };
}

/** Structured logger (pino-compatible subset); never receives secrets. */
export interface BotLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const ignore = (): void => undefined;
export const silentLogger: BotLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

export interface BotDeps {
  readonly settings: BotSettings;
  readonly answerQuestion: AnswerQuestion;
  readonly ingestDocument: IngestDocument;
  readonly store: VectorStore;
  readonly registry: FileRegistry;
  /** Used directly by /summarize (map-reduce); answers go through `answerQuestion`. */
  readonly generator: Generator;
  readonly history: ChatHistory;
  readonly sessionStorage: StorageAdapter<SessionData>;
  readonly counters: SharedCounters;
  readonly usage: UsageTracker;
  readonly inFlight: InFlight;
  readonly clock: Clock;
  readonly logger: BotLogger;
  /** Question, ingestion and error metrics (observability lib; never throws). */
  readonly metrics?: Pick<BotMetrics, 'observeStage' | 'questionFinished' | 'error' | 'fileIngested'>;
  /** Downloads a file by its Bot API `file_path` (fetch-based by default; Node may read local Bot API files). */
  readonly downloadFile?: (filePath: string, signal?: AbortSignal) => Promise<Uint8Array>;
  /** Outgoing-call transformers (tracing, timing), innermost first; auto-retry wraps them all. */
  readonly apiTransformers?: readonly Transformer[];
  /** Middleware run first for every update (the `telegram.update` root span, webhook dedupe/detach). */
  readonly prelude?: readonly MiddlewareFn<BotContext>[];
}

export type { ChatTurn };
