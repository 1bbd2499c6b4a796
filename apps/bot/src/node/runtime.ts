/**
 * Assembles and runs the Node bot: storage -> retrieval -> bot -> internal server -> transport
 * (polling or webhook), and stops it gracefully. main.ts calls this after config and telemetry;
 * the end-to-end tests call it too, so they exercise exactly the production wiring.
 */
import { serve, type ServerType } from '@hono/node-server';
import { systemClock, type ChatTurn, type Clock } from '@docrag/domain';
import { createBotMetrics, createLogger, createMetricsRegistry, createTelegramApiTransformer, createTelegramUpdateMiddleware, type MetricsServer, type TelegramUpdateLike } from '@docrag/observability';
import { run, sequentialize, type RunnerHandle } from '@grammyjs/runner';
import type { Bot, MiddlewareFn, Transformer } from 'grammy';
import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import type { UserFromGetMe } from 'grammy/types';
import { createBot } from '../bot';
import type { Config } from '../config';
import type { BotContext, SessionData } from '../context';
import { settingsFromConfig, type BotLogger } from '../deps';
import { replyWithError } from '../features/boundary';
import { registerCommands } from '../features/commands';
import { createInFlightForStorage } from '../services/in-flight';
import { createSessionChatHistory } from '../services/session-history';
import { createUsageTracker } from '../services/usage';
import { createNodeBotStorage } from '../storage';
import { sequenceKey } from '../transport/ordering';
import { takePendingUpdates } from '../transport/polling';
import { createTaskTracker } from '../transport/tasks';
import { createDedupeMiddleware, createDetachMiddleware, createWebhookHandler } from '../transport/webhook';
import { createNodeDownloader } from './file-download';
import { checkReadiness, startInternalServer, type ReadinessProbe } from './internal-server';
import { createRetrieval, openEmbeddedStore } from './retrieval';

/** Update types the bot handles; others are never fetched (less traffic, fewer wake-ups). */
export const ALLOWED_UPDATES = ['message', 'callback_query', 'stopped_message_generation'] as const;

/** Time a cancelled answer gets to tell the user before the stores close. */
const CANCEL_SETTLE_MS = 3000;

export interface BotRuntimeOptions {
  readonly logger?: BotLogger;
  readonly clock?: Clock;
  /** Extra outgoing-call transformers (innermost), e.g. a test's fault injector. */
  readonly apiTransformers?: readonly Transformer[];
  /** Skip getMe (tests). */
  readonly botInfo?: UserFromGetMe;
}

export interface BotRuntime {
  readonly bot: Bot<BotContext>;
  readonly mode: Config['BOT_MODE'];
  /** Bound ports (useful when configured as 0). */
  readonly internalPort: number;
  readonly webhookPort?: number;
  /** The bot's metrics (served on /metrics; also pushed over OTLP when configured). */
  readonly registry: Registry;
  /** Stops taking updates, lets answers finish for SHUTDOWN_GRACE_MS, cancels the rest, closes stores. */
  stop(reason?: string): Promise<void>;
}

export async function startBotRuntime(config: Config, options: BotRuntimeOptions = {}): Promise<BotRuntime> {
  const logger: BotLogger = options.logger ?? createLogger({ service: 'bot', level: config.LOG_LEVEL });
  const clock = options.clock ?? systemClock;
  const registry = createMetricsRegistry({ defaultLabels: { service: 'bot' } });
  const metrics = createBotMetrics(registry);

  // ---- adapters ----
  const embedded = openEmbeddedStore(config, clock);
  const storage = await createNodeBotStorage({ ...(config.REDIS_URL ? { redisUrl: config.REDIS_URL } : {}), sqlite: embedded.db, clock });
  const history = createSessionChatHistory(storage.sessions<ChatTurn[]>('history:'));
  const retrieval = await createRetrieval(config, { clock, logger, history, metrics, sqlite: embedded });
  const recovered = await retrieval.recoverIncomplete();
  if (recovered > 0) logger.warn({ recovered }, 'removed ingestions interrupted by the previous run');

  // ---- bot ----
  // With Redis the one-answer-per-user guard holds across every process (webhook replicas), and
  // /cancel reaches the process running the answer.
  const inFlight = createInFlightForStorage(storage, config, logger);
  const tasks = createTaskTracker();
  const usage = createUsageTracker(storage.counters, { dailyTokenLimit: config.USER_DAILY_TOKENS, clock });
  const spanMiddleware = createTelegramUpdateMiddleware({ metrics });
  const updateSpan: MiddlewareFn<BotContext> = (ctx, next) => spanMiddleware({ update: ctx.update as unknown as TelegramUpdateLike }, next);
  const deps = {
    settings: settingsFromConfig(config, options.botInfo),
    answerQuestion: retrieval.answerQuestion,
    ingestDocument: retrieval.ingestDocument,
    store: retrieval.store,
    registry: retrieval.registry,
    generator: retrieval.generator,
    history,
    sessionStorage: storage.sessions<SessionData>('session:'),
    counters: storage.counters,
    usage,
    inFlight,
    clock,
    logger,
    metrics,
    downloadFile: createNodeDownloader(config.TELEGRAM_API_ROOT, config.TELEGRAM_TOKEN),
    apiTransformers: [...(options.apiTransformers ?? []), createTelegramApiTransformer({ metrics }) as Transformer],
  };
  let bot: Bot<BotContext>;
  if (config.BOT_MODE === 'webhook') {
    bot = createBot({
      ...deps,
      prelude: [
        createDedupeMiddleware(storage.counters, logger),
        createDetachMiddleware(tasks, (err) => replyWithError(err, deps, 'bot')),
        updateSpan,
      ],
    });
  } else {
    bot = createBot({ ...deps, prelude: [sequentialize<BotContext>(sequenceKey) as MiddlewareFn<BotContext>, updateSpan] });
  }
  await initWithin(bot, config.STARTUP_TIMEOUT_MS, config.TELEGRAM_API_ROOT);
  logger.info({ bot: bot.botInfo.username, mode: config.BOT_MODE, store: config.QDRANT_URL ? 'qdrant' : 'sqlite', dense: Boolean(config.ML_API_URL), llm: retrieval.generator.info.kind, storage: storage.kind, answer_lock: storage.locks ? 'shared' : 'process' }, 'bot starting');
  await registerCommands(bot.api).catch((error: unknown) => logger.warn({ err: String(error) }, 'setMyCommands failed; the menu keeps its previous state'));

  // ---- internal server ----
  let stopping = false;
  const readiness: ReadinessProbe = { checks: { telegram: () => bot.isInited(), store: () => retrieval.ready(), accepting: () => !stopping } };
  const internal: MetricsServer = await startInternalServer({
    port: config.METRICS_PORT,
    host: config.METRICS_HOST,
    registry,
    metricsEnabled: config.METRICS_ENABLED,
    logger,
    readiness,
  });

  // ---- transport ----
  let runner: RunnerHandle | undefined;
  let webhookServer: ServerType | undefined;
  let webhookPort: number | undefined;
  if (config.BOT_MODE === 'webhook') {
    const handle = createWebhookHandler(bot, config.WEBHOOK_SECRET);
    const app = new Hono();
    app.post(config.WEBHOOK_PATH, (c) => handle(c.req.raw));
    // Platforms that probe only the public port (Render, Cloud Run) get the health routes here too.
    app.get('/health/live', (c) => c.json({ status: 'ok' }));
    app.get('/health/ready', async (c) => {
      const { status, body } = await checkReadiness(readiness);
      return c.json(body, status);
    });
    app.all('*', (c) => c.text('not found', 404));
    webhookServer = await new Promise<ServerType>((resolve) => {
      const server = serve({ fetch: app.fetch, port: config.WEBHOOK_PORT, hostname: config.WEBHOOK_HOST }, (info) => {
        webhookPort = info.port;
        resolve(server);
      });
    });
    if (config.WEBHOOK_REGISTER && config.WEBHOOK_URL) {
      await bot.api.setWebhook(config.WEBHOOK_URL, {
        secret_token: config.WEBHOOK_SECRET,
        drop_pending_updates: config.WEBHOOK_DROP_PENDING_UPDATES,
        max_connections: config.WEBHOOK_MAX_CONNECTIONS,
        allowed_updates: [...ALLOWED_UPDATES],
      });
    }
    logger.info({ port: webhookPort, path: config.WEBHOOK_PATH }, 'webhook server listening');
  } else {
    // getUpdates is refused (409) while a webhook is set.
    await bot.api.deleteWebhook();
    if (config.DROP_STALE_UPDATES) {
      const { kept, dropped } = await takePendingUpdates(bot.api);
      if (kept.length + dropped > 0) logger.info({ kept: kept.length, dropped }, 'pending updates on start: answering the last message per chat');
      for (const update of kept) void tasks.track(bot.handleUpdate(update).catch((error: unknown) => logger.warn({ err: String(error) }, 'pending update failed')));
    }
    runner = run(bot, { runner: { fetch: { allowed_updates: [...ALLOWED_UPDATES] } } });
  }

  // ---- graceful stop ----
  let stopped: Promise<void> | undefined;
  const stop = (reason = 'stop') =>
    (stopped ??= (async () => {
      stopping = true;
      logger.info({ reason, in_flight: inFlight.size }, 'bot stopping');
      const graceMs = config.SHUTDOWN_GRACE_MS;
      const taking = runner?.isRunning() ? runner.stop() : undefined;
      if (webhookServer) {
        const server = webhookServer;
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // close() waits for keep-alive connections; idle ones would hold shutdown open.
          if ('closeIdleConnections' in server) server.closeIdleConnections();
        });
      }
      // Finish what is running; after the grace period, cancel it (answers end with "Stopped").
      const finished = await inFlight.drain(graceMs);
      if (!finished) {
        logger.warn({ cancelled: inFlight.cancelAll('the bot is restarting') }, 'cancelled answers still running at shutdown');
        // Cancelled answers still post "Stopped" and save their session: give them a moment.
        await inFlight.drain(CANCEL_SETTLE_MS);
      }
      const settleMs = Math.max(graceMs, CANCEL_SETTLE_MS);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([Promise.all([taking, tasks.drain(settleMs)]), new Promise((r) => (timer = setTimeout(r, settleMs)))]);
      clearTimeout(timer);
      await internal.close().catch(() => undefined);
      await storage.close().catch((error: unknown) => logger.warn({ err: String(error) }, 'closing bot storage failed'));
      await retrieval.close().catch((error: unknown) => logger.warn({ err: String(error) }, 'closing the store failed'));
      logger.info({}, 'bot stopped');
    })());

  return {
    bot,
    mode: config.BOT_MODE,
    internalPort: internal.port,
    ...(webhookPort !== undefined ? { webhookPort } : {}),
    registry,
    stop,
  };
}

/**
 * getMe through auto-retry would wait out network errors for minutes; at start-up a clear failure
 * is better (the orchestrator restarts us), naming the API root that could not be reached.
 */
async function initWithin(bot: Bot<BotContext>, timeoutMs: number, apiRoot: string): Promise<void> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`could not reach the Bot API at ${apiRoot} within ${timeoutMs} ms (getMe); check TELEGRAM_API_ROOT and the network`));
    }, timeoutMs);
  });
  try {
    // grammY's Node build types its signal with the abort-controller polyfill; the global one works.
    await Promise.race([bot.init(controller.signal as unknown as Parameters<typeof bot.init>[0]), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
