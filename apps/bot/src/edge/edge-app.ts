/**
 * Composition of the bot for the Deno edge entry: config -> fetch-based adapters (ml-api client or
 * in-process BM25, OpenAI-compatible LLM or extractive answers, Deno KV for sessions, history,
 * counters, the file registry and the vector index) -> use cases -> createBot -> a webhook fetch
 * handler. Nothing here imports SQLite, ONNX, ioredis or `node:*`; `deno check` in the
 * `typecheck-edge` target proves it. Deno globals stay in main.ts so this file runs under Node too.
 */
import type { Bot } from 'grammy';
import type { ChatTurn, Embedder, Reranker } from '@docrag/domain';
import { createCachedEmbedder, makeAnswerQuestion, makeIngestDocument, systemClock } from '@docrag/domain';
import type { Clock } from '@docrag/domain';
import { createGenerator } from '@docrag/llm';
import { MlApiEmbedder, MlApiReranker } from '@docrag/ml-client';
import { createBm25SparseEncoder, createSparseEmbedder } from '@docrag/sparse';
import { createBot } from '../bot';
import type { Config } from '../config';
import { loadConfig } from '../config';
import type { BotContext, SessionData } from '../context';
import type { BotDeps, BotLogger } from '../deps';
import { answerOptionsFromConfig, ingestOptionsFromConfig, settingsFromConfig } from '../deps';
import { replyWithError } from '../features/boundary';
import { createInFlightForStorage } from '../services/in-flight';
import { createSessionChatHistory } from '../services/session-history';
import { createUsageTracker } from '../services/usage';
import { createDenoKvBotStorage } from '../storage/deno-kv-bot-storage';
import type { KvLike } from '../storage/deno-kv-bot-storage';
import { createTaskTracker } from '../transport/tasks';
import type { TaskTracker } from '../transport/tasks';
import { createDedupeMiddleware, createDetachMiddleware, createWebhookHandler } from '../transport/webhook';
import { createEdgeParsers, estimatingTokenCounter, webCryptoHasher } from './edge-parsers';
import { KvFileRegistry } from './kv-file-registry';
import { KvVectorStore } from './kv-vector-store';

export interface EdgeEnvironment {
  /** The environment variables (`Deno.env.toObject()`). */
  readonly env: Record<string, string | undefined>;
  /** `await Deno.openKv(DENO_KV_PATH || undefined)`. */
  readonly kv: KvLike;
  readonly logger?: BotLogger;
  readonly clock?: Clock;
}

export interface EdgeApp {
  readonly config: Config;
  readonly bot: Bot<BotContext>;
  /** `POST WEBHOOK_PATH` -> grammY (401 on a wrong secret); `GET /health/live` -> 200; else 404. */
  readonly handler: (request: Request) => Promise<Response>;
  /** Waits for updates being processed (up to SHUTDOWN_GRACE_MS), then closes KV. */
  close(): Promise<void>;
}

/** Logs JSON lines to stdout/stderr: Deno Deploy collects them. Never receives secrets. */
export const consoleLogger: BotLogger = {
  debug: () => undefined,
  info: (obj, msg) => console.log(JSON.stringify({ level: 'info', msg, ...obj })),
  warn: (obj, msg) => console.warn(JSON.stringify({ level: 'warn', msg, ...obj })),
  error: (obj, msg) => console.error(JSON.stringify({ level: 'error', msg, ...obj })),
};

function embeddersFor(config: Config): { embedder: Embedder; reranker?: Reranker } {
  if (config.ML_API_URL) {
    const http = { baseUrl: config.ML_API_URL, timeoutMs: config.HTTP_TIMEOUT, ...(config.ML_API_KEY ? { apiKey: config.ML_API_KEY } : {}) };
    return { embedder: new MlApiEmbedder(http), reranker: new MlApiReranker(http) };
  }
  // No ml-api: BM25 sparse vectors computed in the isolate, no dense, no rerank.
  return { embedder: createSparseEmbedder(createBm25SparseEncoder({ language: config.SPARSE_LANGUAGE })) };
}

export function createEdgeApp(environment: EdgeEnvironment): EdgeApp {
  const config = loadConfig(environment.env);
  if (!config.WEBHOOK_SECRET) {
    // The edge only serves webhooks, and an unauthenticated webhook lets anyone forge updates.
    throw new Error('WEBHOOK_SECRET is required by the edge entry (Telegram sends it in X-Telegram-Bot-Api-Secret-Token)');
  }
  if (config.QDRANT_URL) {
    // The Qdrant adapter is not yet proven under Deno; refusing is better than a half-working store.
    throw new Error('QDRANT_URL is not supported by the edge entry yet: leave it empty to keep the index in Deno KV');
  }
  const logger = environment.logger ?? consoleLogger;
  const clock = environment.clock ?? systemClock;
  const storage = createDenoKvBotStorage(environment.kv, { clock });
  const { embedder: base, reranker } = embeddersFor(config);
  const embedder = config.EMBEDDING_CACHE_SIZE > 0 ? createCachedEmbedder(base, { size: config.EMBEDDING_CACHE_SIZE }) : base;
  const store = new KvVectorStore(environment.kv);
  const registry = new KvFileRegistry(environment.kv);
  const history = createSessionChatHistory(storage.sessions<ChatTurn[]>(''));
  const generator = createGenerator({
    ...(config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY } : {}),
    ...(config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : {}),
    model: config.DEFAULT_MODEL,
    maxTokens: config.LLM_MAX_TOKENS,
    timeoutMs: config.HTTP_TIMEOUT,
  });
  const settings = settingsFromConfig(config);
  const tasks: TaskTracker = createTaskTracker();

  const deps: BotDeps = {
    settings,
    answerQuestion: makeAnswerQuestion({
      embedder,
      store,
      ...(reranker ? { reranker } : {}),
      generator,
      history,
      clock,
      ...answerOptionsFromConfig(config),
    }),
    ingestDocument: makeIngestDocument({
      parsers: createEdgeParsers(),
      embedder,
      store,
      registry,
      hasher: webCryptoHasher,
      clock,
      tokenCounter: estimatingTokenCounter,
      ...ingestOptionsFromConfig(config),
    }),
    store,
    registry,
    generator,
    history,
    sessionStorage: storage.sessions<SessionData>('session:'),
    counters: storage.counters,
    usage: createUsageTracker(storage.counters, { dailyTokenLimit: config.USER_DAILY_TOKENS, clock }),
    // The guard's lease lives in KV, so two isolates (Deno Deploy runs many) cannot answer one user
    // at once, and /cancel reaches the isolate running the answer through a KV request key.
    inFlight: createInFlightForStorage(storage, config, logger),
    clock,
    logger,
    prelude: [
      // Redelivered updates are dropped; the rest is acknowledged at once and answered in the
      // background, so Telegram's webhook timeout never sees a slow answer.
      createDedupeMiddleware(storage.counters, logger),
      createDetachMiddleware(tasks, (error) => replyWithError(error, deps, 'edge')),
    ],
  };
  const bot = createBot(deps);
  const webhook = createWebhookHandler(bot, config.WEBHOOK_SECRET);

  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (url.pathname === config.WEBHOOK_PATH) {
      if (request.method !== 'POST') return new Response('method not allowed', { status: 405, headers: { allow: 'POST' } });
      return webhook(request);
    }
    if (url.pathname === '/health/live' || url.pathname === '/health') return Response.json({ status: 'live' });
    return new Response('not found', { status: 404 });
  };

  return {
    config,
    bot,
    handler,
    async close() {
      await tasks.drain(config.SHUTDOWN_GRACE_MS);
      deps.inFlight.cancelAll('shutting down');
      await storage.close();
    },
  };
}
