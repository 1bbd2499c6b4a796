/**
 * The Node bot's retrieval adapters, chosen from config: embedded SQLite store (default) or Qdrant
 * (QDRANT_URL); ml-api embeddings and rerank (ML_API_URL) or the in-process BM25 sparse encoder;
 * an OpenAI-compatible LLM (OPENAI_API_KEY) or the extractive fallback. Every port is wrapped in
 * its tracing decorator, and the domain use cases are built on top.
 */
import path from 'node:path';
import {
  createCachedEmbedder,
  makeAnswerQuestion,
  makeIngestDocument,
  makeRecoverIncompleteIngestions,
  type ChatHistory,
  type Clock,
  type Embedder,
  type FileRegistry,
  type Generator,
  type Reranker,
  type TokenCounter,
  type VectorStore,
  type AnswerQuestion,
  type IngestDocument,
} from '@docrag/domain';
import { createGenerator } from '@docrag/llm';
import { MlApiEmbedder, MlApiReranker } from '@docrag/ml-client';
import { injectTraceHeaders, traceEmbedder, traceGenerator, traceReranker, traceVectorStore, type BotMetrics } from '@docrag/observability';
import { createDocumentParsers, parserLimitsFromMegabytes } from '@docrag/parsers';
import { createQdrantVectorStore } from '@docrag/qdrant';
import { createBm25SparseEncoder, createSparseEmbedder } from '@docrag/sparse';
import { createSqliteStore, type SqliteDatabase, type SqliteStore } from '@docrag/sqlite-store';
import type { Config } from '../config';
import { answerOptionsFromConfig, ingestOptionsFromConfig, type BotLogger } from '../deps';
import { nodeHasher } from './hasher';
import { createTokenizerTokenCounter } from '@docrag/tokenizer';

/** The embedded database file, `DATA_DIR/docrag.sqlite`. */
export function openEmbeddedStore(config: Config, clock: Clock): SqliteStore {
  return createSqliteStore({ path: path.join(config.DATA_DIR, 'docrag.sqlite'), clock });
}

export interface Retrieval {
  readonly store: VectorStore;
  readonly registry: FileRegistry;
  readonly embedder: Embedder;
  readonly reranker?: Reranker;
  readonly generator: Generator;
  readonly answerQuestion: AnswerQuestion;
  readonly ingestDocument: IngestDocument;
  /** The embedded database, also used for bot sessions when there is no Redis. */
  readonly sqlite: SqliteDatabase;
  /** Removes ingestions a crash left half-done; run once before serving. */
  recoverIncomplete(): Promise<number>;
  /** For /health/ready: the store answers and the embedder is described. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * What both ml-api clients share. `traceparent` comes from our own injector: the ml-api origin is
 * left out of the generic HTTP instrumentation (main.ts), whose span per call would duplicate the
 * embeddings/rerank client spans and cost more than the rest of the instrumentation together.
 */
function mlApiClient(config: Config) {
  return { timeoutMs: config.HTTP_TIMEOUT, traceHeaders: () => injectTraceHeaders(), ...(config.ML_API_KEY ? { apiKey: config.ML_API_KEY } : {}) };
}

export async function createRetrieval(
  config: Config,
  options: { clock: Clock; logger: BotLogger; history: ChatHistory; metrics?: BotMetrics; sqlite?: SqliteStore },
): Promise<Retrieval> {
  const { clock, logger, metrics, history } = options;
  // The embedded database is always opened: it holds the registry and bot state even when the
  // vectors live in Qdrant (one file in DATA_DIR, nothing else to run).
  const sqlite: SqliteStore = options.sqlite ?? openEmbeddedStore(config, clock);

  const sparseEncoder = createBm25SparseEncoder({ language: config.SPARSE_LANGUAGE });
  const baseEmbedder: Embedder = config.ML_API_URL
    ? new MlApiEmbedder({ ...mlApiClient(config), baseUrl: config.ML_API_URL })
    : createSparseEmbedder(sparseEncoder);
  const embedderModel = config.ML_API_URL ? 'ml-api' : sparseEncoder.name;
  const embedder = createCachedEmbedder(
    traceEmbedder(baseEmbedder, { model: embedderModel, provider: config.ML_API_URL ? 'docrag.ml-api' : 'docrag.bm25', ...(config.ML_API_URL ? { serverAddress: new URL(config.ML_API_URL).host } : {}) }),
    { size: config.EMBEDDING_CACHE_SIZE, ...(metrics ? { onLookup: (outcome: 'hit' | 'miss') => metrics.cacheLookup(outcome) } : {}) },
  );
  const reranker: Reranker | undefined = config.ML_API_URL
    ? traceReranker(new MlApiReranker({ ...mlApiClient(config), baseUrl: config.ML_API_URL }), { model: 'ml-api-rerank' })
    : undefined;

  const store: VectorStore = config.QDRANT_URL
    ? traceVectorStore(createQdrantStore(config), { system: 'qdrant', collection: 'docrag', serverAddress: new URL(config.QDRANT_URL).host })
    : traceVectorStore(sqlite.vectorStore, { system: 'sqlite', collection: 'docrag' });
  const registry = sqlite.registry;

  const generator = traceGenerator(
    createGenerator({
      apiKey: config.OPENAI_API_KEY,
      model: config.DEFAULT_MODEL,
      maxTokens: config.LLM_MAX_TOKENS,
      timeoutMs: config.HTTP_TIMEOUT,
      ...(config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : {}),
    }),
    { provider: config.OPENAI_API_KEY ? 'openai' : 'docrag.extractive', ...(metrics ? { metrics } : {}) },
  );

  // The real MiniLM WordPiece tokenizer: chunk sizes match what the embedding model sees. A missing
  // tokenizer fails start-up with a message naming TOKENIZER_PATH.
  const tokenCounter: TokenCounter = config.TOKENIZER_PATH ? createTokenizerTokenCounter(config.TOKENIZER_PATH) : createTokenizerTokenCounter();
  const parsers = createDocumentParsers({ limits: parserLimitsFromMegabytes({ maxFileMb: config.MAX_FILE_MB }) });
  const ingestDocument = makeIngestDocument({
    parsers,
    embedder,
    store,
    registry,
    hasher: nodeHasher,
    clock,
    tokenCounter,
    ...ingestOptionsFromConfig(config),
  });
  const answerQuestion = makeAnswerQuestion({
    embedder,
    store,
    generator,
    history,
    clock,
    ...answerOptionsFromConfig(config),
    ...(reranker ? { reranker } : {}),
    ...(metrics ? { onStage: (stage, ms) => metrics.observeStage(stage, ms / 1000) } : {}),
  });
  const recover = makeRecoverIncompleteIngestions({ store, registry });

  return {
    store,
    registry,
    embedder,
    ...(reranker ? { reranker } : {}),
    generator,
    answerQuestion,
    ingestDocument,
    sqlite: sqlite.db,
    async recoverIncomplete() {
      const report = await recover();
      for (const f of report.failed) logger.warn({ file: f.file.fileId, err: String(f.error) }, 'could not clean an interrupted ingestion');
      return report.recovered.length;
    },
    async ready() {
      try {
        await store.stats();
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await store.close?.();
      await sqlite.close();
    },
  };
}

/** Qdrant with the bot's settings; collections are created with these on first start. */
function createQdrantStore(config: Config): VectorStore {
  return createQdrantVectorStore({
    url: config.QDRANT_URL ?? '',
    ...(config.QDRANT_API_KEY ? { apiKey: config.QDRANT_API_KEY } : {}),
    timeoutMs: config.QDRANT_TIMEOUT_MS,
    retries: config.QDRANT_RETRIES,
    collectionPrefix: config.QDRANT_COLLECTION_PREFIX,
    settings: { shardNumber: config.QDRANT_SHARDS, replicationFactor: config.QDRANT_REPLICATION_FACTOR },
  });
}
