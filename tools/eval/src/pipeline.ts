import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Embedder, FileRegistry, Hasher, OwnerId, TokenCounter, VectorStore } from '@docrag/domain';
import { OwnerId as OwnerIds, makeIngestDocument, systemClock } from '@docrag/domain';
import { MlApiEmbedder } from '@docrag/ml-client';
import { createDocumentParsers } from '@docrag/parsers';
import { createQdrantVectorStore } from '@docrag/qdrant';
import { createBm25SparseEncoder, createSparseEmbedder } from '@docrag/sparse';
import type { Bm25EncoderOptions } from '@docrag/sparse';
import { createSqliteStore } from '@docrag/sqlite-store';
import type { BeirDataset, BeirDocument } from './beir';
import { evaluateRuns, percentile } from './metrics';
import type { RetrievalScores } from './metrics';

export type StoreKind = 'sqlite' | 'memory' | 'qdrant';
export type EncoderKind = 'bm25' | 'ml-api';

export interface EvalOptions {
  readonly store: StoreKind;
  readonly encoder: EncoderKind;
  readonly tokenCounter: TokenCounter;
  /** `ML_API_URL` for the ml-api encoder. */
  readonly mlApiUrl?: string;
  readonly mlApiKey?: string;
  /** `QDRANT_URL` / `QDRANT_API_KEY` for the Qdrant store. */
  readonly qdrantUrl?: string;
  readonly qdrantApiKey?: string;
  /** Chunks asked from the store per query (documents are then ranked by their best chunk). */
  readonly chunkLimit?: number;
  /** Only the first n queries (smoke runs). */
  readonly maxQueries?: number;
  readonly onProgress?: (message: string) => void;
  /** BM25 encoder settings (default: the product's defaults). */
  readonly bm25?: Bm25EncoderOptions;
}

export interface EvalReport extends RetrievalScores {
  readonly documents: number;
  readonly chunks: number;
  readonly indexSeconds: number;
  readonly queryP50Ms: number;
  readonly queryP95Ms: number;
  readonly store: string;
  readonly encoder: string;
}

const nodeHasher: Hasher = {
  sha256: (bytes) => Promise.resolve(createHash('sha256').update(bytes).digest('hex')),
};

/**
 * A BEIR document as the user would send it: a Markdown file whose title is a level-1 heading.
 * Going through the real parser keeps the title a heading block, as for any uploaded document.
 */
export function documentAsMarkdown(doc: BeirDocument): Uint8Array {
  const title = doc.title.trim();
  return new TextEncoder().encode(title ? `# ${title}\n\n${doc.text}\n` : `${doc.text}\n`);
}

function createEmbedder(options: EvalOptions): Embedder {
  if (options.encoder === 'bm25') return createSparseEmbedder(createBm25SparseEncoder(options.bm25));
  if (!options.mlApiUrl) throw new Error('--encoder ml-api needs ML_API_URL (e.g. http://127.0.0.1:8000)');
  return new MlApiEmbedder({ baseUrl: options.mlApiUrl, ...(options.mlApiKey ? { apiKey: options.mlApiKey } : {}) });
}

interface OpenedStore {
  readonly store: VectorStore;
  readonly registry: FileRegistry;
  readonly label: string;
  close(): Promise<void>;
}

async function openStore(options: EvalOptions, sparseModel: string): Promise<OpenedStore> {
  const kind = options.store;
  if (kind === 'qdrant') {
    if (!options.qdrantUrl) throw new Error('--store qdrant needs QDRANT_URL (e.g. http://127.0.0.1:6333)');
    // A fresh prefix per run: the evaluation never touches the product's collections.
    const collectionPrefix = `docrag_eval_${Date.now()}_`;
    const store = createQdrantVectorStore({ url: options.qdrantUrl, ...(options.qdrantApiKey ? { apiKey: options.qdrantApiKey } : {}), collectionPrefix });
    // The registry is bookkeeping only; an in-memory SQLite one serves.
    const registry = createSqliteStore({ path: ':memory:' });
    return {
      store,
      registry: registry.registry,
      label: `qdrant ${options.qdrantUrl} (collections ${collectionPrefix}*, left for inspection)`,
      close: async () => {
        await store.close?.();
        await registry.close();
      },
    };
  }
  const dir = kind === 'sqlite' ? mkdtempSync(path.join(tmpdir(), 'docrag-eval-')) : undefined;
  const file = dir ? path.join(dir, 'docrag.sqlite') : ':memory:';
  const sqlite = createSqliteStore({ path: file, sparseModel });
  return {
    store: sqlite.vectorStore,
    registry: sqlite.registry,
    label: kind === 'sqlite' ? 'sqlite (file, WAL)' : 'sqlite (:memory:)',
    close: async () => {
      await sqlite.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Ingests a BEIR corpus through the product's ingestion use case (parser -> chunker -> embedder ->
 * store -> registry) and runs every query through the retrieval steps of the answer use case
 * (embed query -> hybrid store query). A document's score is that of its best chunk: SciFact
 * abstracts are short (one or two children), and max-passage is the usual choice for passage
 * indexes (Dai & Callan, SIGIR 2019, "FirstP/MaxP").
 */
export async function evaluateBeir(data: BeirDataset, options: EvalOptions): Promise<EvalReport> {
  const log = options.onProgress ?? (() => undefined);
  const embedder = createEmbedder(options);
  const info = await embedder.describe();
  const opened = await openStore(options, info.sparseModel);
  try {
    const ownerId: OwnerId = OwnerIds.user('eval');
    const ingest = makeIngestDocument({
      parsers: createDocumentParsers(),
      embedder,
      store: opened.store,
      registry: opened.registry,
      hasher: nodeHasher,
      clock: systemClock,
      tokenCounter: options.tokenCounter,
    });

    // ---- index ----
    const started = performance.now();
    const fileToDoc = new Map<string, string>();
    let chunks = 0;
    for (const [i, doc] of data.corpus.entries()) {
      const result = await ingest({ ownerId, name: `${doc.id}.md`, bytes: documentAsMarkdown(doc), mimeType: 'text/markdown' });
      fileToDoc.set(result.file.fileId, doc.id);
      chunks += result.file.chunkCount;
      if ((i + 1) % 1000 === 0) log(`indexed ${i + 1}/${data.corpus.length} documents`);
    }
    const indexSeconds = (performance.now() - started) / 1000;

    // ---- query ----
    const chunkLimit = options.chunkLimit ?? 200;
    const queries = data.queries.slice(0, options.maxQueries ?? data.queries.length);
    const runs = new Map<string, string[]>();
    const latencies: number[] = [];
    for (const query of queries) {
      const t0 = performance.now();
      const [embedding] = await embedder.embed([query.text], { kind: 'query' });
      const hits = await opened.store.query({
        ownerId,
        sparse: embedding!.sparse,
        ...(embedding!.dense ? { dense: embedding!.dense } : {}),
        limit: chunkLimit,
      });
      latencies.push(performance.now() - t0);
      // Hits are best first, so the first hit of a document is its best chunk.
      const ranking: string[] = [];
      const seen = new Set<string>();
      for (const hit of hits) {
        const docId = fileToDoc.get(hit.chunk.fileId);
        if (docId !== undefined && !seen.has(docId)) {
          seen.add(docId);
          ranking.push(docId);
        }
      }
      runs.set(query.id, ranking);
    }
    const judged = new Map([...data.qrels].filter(([id]) => queries.some((q) => q.id === id)));
    const scores = evaluateRuns(runs, judged);
    return {
      ...scores,
      documents: data.corpus.length,
      chunks,
      indexSeconds,
      queryP50Ms: percentile(latencies, 50),
      queryP95Ms: percentile(latencies, 95),
      store: opened.label,
      encoder: info.sparseModel + (info.denseModel ? ` + ${info.denseModel}` : ''),
    };
  } finally {
    await opened.close();
  }
}
