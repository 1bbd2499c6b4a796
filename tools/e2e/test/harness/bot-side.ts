/**
 * The bot's question and ingestion paths, assembled from the same pieces apps/bot wires (domain use
 * cases, ml-client, the embedded store, the observability decorators and metrics), without grammY.
 * The LLM is the scripted FakeGenerator: no network, but the same Generator port and span.
 */
import path from 'node:path';
import type { AnswerQuestion, Embedder, IngestDocument, Reranker } from '@docrag/domain';
import { createCachedEmbedder, makeAnswerQuestion, makeIngestDocument, OwnerId, RagError, systemClock } from '@docrag/domain';
import { MlApiEmbedder, MlApiReranker } from '@docrag/ml-client';
import type { BotMetrics, MetricsServer } from '@docrag/observability';
import {
  createBotMetrics,
  createMetricsRegistry,
  createTelegramApiTransformer,
  createTelegramUpdateMiddleware,
  errorType,
  injectTraceHeaders,
  startMetricsServer,
  traceEmbedder,
  traceGenerator,
  traceReranker,
  traceVectorStore,
} from '@docrag/observability';
import { createDocumentParsers } from '@docrag/parsers';
import { createBm25SparseEncoder, createSparseEmbedder } from '@docrag/sparse';
import { createSqliteStore, type SqliteStore } from '@docrag/sqlite-store';
import { FakeGenerator, sha256Hasher } from '@docrag/testing';
import type { Registry } from 'prom-client';

export interface BotSideOptions {
  readonly dataDir: string;
  /** ml-api base URL; absent = sparse-only in process, no rerank (the bot's default). */
  readonly mlApiUrl?: string;
  /** Observability on (decorators and metrics) or off (the benchmark's baseline). */
  readonly instrumented?: boolean;
  /** Serve /metrics on 127.0.0.1 (a free port). */
  readonly serveMetrics?: boolean;
  readonly llmModel?: string;
  /**
   * A Bot API stand-in over HTTP (the benchmark): each question then makes the calls the bot makes
   * in a private chat (sendChatAction "typing", one sendMessageDraft preview, the final
   * sendMessage) as real requests. Absent: one in-memory sendMessage.
   */
  readonly telegramApiUrl?: string;
  /** Parts left bare on an instrumented side (the benchmark's attribution runs, `BENCH_SKIP`). */
  readonly uninstrumented?: readonly InstrumentedPart[];
}

/** The separately switchable pieces of the bot's instrumentation. */
export const INSTRUMENTED_PARTS = ['update', 'transformer', 'embedder', 'store', 'reranker', 'generator', 'metrics'] as const;
export type InstrumentedPart = (typeof INSTRUMENTED_PARTS)[number];

export interface BotSide {
  readonly registry: Registry;
  readonly metrics: BotMetrics;
  readonly store: SqliteStore;
  readonly server?: MetricsServer;
  readonly answer: AnswerQuestion;
  /** One update carrying a question, through the update middleware, the answer and a "sent" reply. */
  ask(question: string, options?: { userId?: number; chatKey?: string; failLlm?: boolean; telegramCode?: number }): Promise<{ text: string; mode: string }>;
  ingest(name: string, text: string, options?: { userId?: number }): Promise<void>;
  close(): Promise<void>;
}

let updateId = 1;

export async function createBotSide(options: BotSideOptions): Promise<BotSide> {
  const instrumented = options.instrumented ?? true;
  const on = (part: InstrumentedPart) => instrumented && !(options.uninstrumented ?? []).includes(part);
  const registry = createMetricsRegistry();
  const metrics = createBotMetrics(registry);
  // As apps/bot wires it: the ml-api client sends traceparent itself (its origin is left out of the
  // generic HTTP instrumentation; see createHttpInstrumentations).
  const traceHeaders = instrumented ? { traceHeaders: () => injectTraceHeaders() } : {};
  const base: Embedder = options.mlApiUrl
    ? new MlApiEmbedder({ baseUrl: options.mlApiUrl, maxRetries: 0, readyTimeoutMs: 30_000, ...traceHeaders })
    : createSparseEmbedder(createBm25SparseEncoder());
  const info = await base.describe();
  const store = createSqliteStore({ path: path.join(options.dataDir, 'docrag.sqlite'), sparseModel: info.sparseModel });
  await store.vectorStore.ensureReady(info.dimension === undefined ? {} : { dimension: info.dimension });

  const embedder = on('embedder') ? traceEmbedder(base, { model: info.denseModel ?? info.sparseModel }) : base;
  const vectorStore = on('store') ? traceVectorStore(store.vectorStore, { system: 'sqlite', collection: 'docrag' }) : store.vectorStore;
  const plainReranker: Reranker | undefined = options.mlApiUrl ? new MlApiReranker({ baseUrl: options.mlApiUrl, maxRetries: 0, ...traceHeaders }) : undefined;
  const reranker = plainReranker && on('reranker') ? traceReranker(plainReranker, { model: 'reranker' }) : plainReranker;
  const fake = new FakeGenerator({ model: options.llmModel ?? 'gpt-4o-mini' });
  const generator = on('generator') ? traceGenerator(fake, { provider: 'openai', metrics }) : fake;
  const answer = makeAnswerQuestion({
    embedder: createCachedEmbedder(embedder, on('metrics') ? { onLookup: (outcome) => metrics.cacheLookup(outcome) } : {}),
    store: vectorStore,
    ...(reranker ? { reranker } : {}),
    generator,
    history: store.history,
    clock: systemClock,
    ...(on('metrics') ? { onStage: (stage, ms) => metrics.observeStage(stage, ms / 1000) } : {}),
  });
  const ingestDocument: IngestDocument = makeIngestDocument({
    parsers: createDocumentParsers(),
    embedder,
    store: vectorStore,
    registry: store.registry,
    hasher: sha256Hasher,
    clock: systemClock,
    tokenCounter: { count: (text) => text.split(/\s+/).filter(Boolean).length },
  });
  const updates = createTelegramUpdateMiddleware({ metrics });
  const transformer = createTelegramApiTransformer({ metrics });
  const server = options.serveMetrics ? await startMetricsServer({ port: 0, host: '127.0.0.1', registry }) : undefined;

  /** The Bot API stand-in: answers ok, or the error code asked for. */
  type ApiAnswer = { ok: true; result: true } | { ok: false; error_code: number; description: string };
  const botApi = (code?: number) => async (method: string, payload: unknown): Promise<ApiAnswer> => {
    if (code) return { ok: false, error_code: code, description: `error ${code}` };
    if (!options.telegramApiUrl) return { ok: true, result: true };
    const response = await fetch(`${options.telegramApiUrl}/botTOKEN/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    return (await response.json()) as ApiAnswer;
  };
  const callApi = (method: string, payload: unknown, code?: number) =>
    on('transformer') ? transformer(botApi(code), method, payload) : botApi(code)(method, payload);

  async function inUpdate(userId: number, text: string, fn: () => Promise<void>): Promise<void> {
    const update = { update_id: updateId++, message: { message_id: 1, date: 0, text, chat: { id: userId, type: 'private' }, from: { id: userId } } };
    if (on('update')) await updates({ update }, fn);
    else await fn();
  }

  return {
    registry,
    metrics,
    store,
    ...(server ? { server } : {}),
    answer,
    async ask(question, askOptions = {}) {
      const userId = askOptions.userId ?? 1001;
      let result = { text: '', mode: 'error' };
      await inUpdate(userId, question, async () => {
        const started = performance.now();
        const overHttp = Boolean(options.telegramApiUrl);
        // As the bot does: "typing" is not awaited; the answer does not wait for it.
        const typing = overHttp ? callApi('sendChatAction', { chat_id: userId, action: 'typing' }).catch(() => undefined) : undefined;
        fake.failWith = askOptions.failLlm ? new RagError({ code: 'rate_limited', dependency: 'llm' }) : undefined;
        try {
          let text = '';
          let drafted = !overHttp;
          for await (const event of answer({ ownerId: OwnerId.user(userId), chatKey: askOptions.chatKey ?? `chat:${userId}`, question })) {
            if (event.type === 'delta') {
              text += event.text;
              if (!drafted) {
                drafted = true;
                await callApi('sendMessageDraft', { chat_id: userId, draft_id: 1, text });
              }
            }
            if (event.type === 'done') result = { text, mode: event.answer.mode };
          }
          if (on('metrics')) metrics.questionFinished(result.mode as 'generated');
        } catch (error) {
          if (!instrumented) throw error;
          metrics.questionFinished('error');
          metrics.error(errorType(error));
        }
        const sending = performance.now();
        await callApi('sendMessage', { chat_id: userId, text: result.text }, askOptions.telegramCode);
        await typing;
        if (on('metrics')) {
          metrics.observeStage('telegram', (performance.now() - sending) / 1000);
          metrics.observeStage('total', (performance.now() - started) / 1000);
        }
      });
      return result;
    },
    async ingest(name, text, ingestOptions = {}) {
      const userId = ingestOptions.userId ?? 1001;
      await inUpdate(userId, name, async () => {
        const job = await store.jobs.enqueue(OwnerId.user(userId), name);
        await store.jobs.start(job);
        const started = performance.now();
        try {
          const result = await ingestDocument({ ownerId: OwnerId.user(userId), name, bytes: new TextEncoder().encode(text) });
          metrics.fileIngested({
            format: result.file.format,
            outcome: result.status,
            seconds: (performance.now() - started) / 1000,
            ...(result.status === 'indexed' ? { chunks: result.file.chunkCount } : {}),
          });
          await store.jobs.finish(job, result.file.fileId);
        } catch (error) {
          metrics.fileIngested({ format: 'unknown', outcome: 'failed', seconds: (performance.now() - started) / 1000 });
          metrics.error(errorType(error));
          await store.jobs.fail(job, (error as Error).message);
        }
      });
    },
    async close() {
      await server?.close();
      await store.close();
    },
  };
}
