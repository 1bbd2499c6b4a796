/**
 * `nx run eval:scifact [--args="--data <dir> --store sqlite|memory --encoder bm25|ml-api"]`
 *
 * Ingests a BEIR data set through the product's ingestion path and queries it through the
 * retrieval path, then prints nDCG@10, Recall@100, MRR@10, index time and query latency, ending
 * with `nDCG@10=<value>`. The data (CC BY-NC) is read from ../shared and never copied here.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadBeir } from './beir';
import type { EncoderKind, EvalReport, StoreKind } from './pipeline';
import { evaluateBeir } from './pipeline';
import { loadTokenCounter } from './token-counter';

const workspaceRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** `DOCRAG_SHARED_DIR` overrides the shared folder (default `../shared` beside the repository). */
export const sharedDir = (env: NodeJS.ProcessEnv = process.env) => env['DOCRAG_SHARED_DIR'] ?? path.resolve(workspaceRoot, '../shared');

export const USAGE = `usage: eval-scifact [--data <beir dir>] [--store sqlite|memory|qdrant] [--encoder bm25|ml-api]
                    [--tokenizer <dir>] [--chunk-limit <n>] [--max-queries <n>]
  --data         BEIR folder: corpus.jsonl[.gz], queries.jsonl, qrels/test.tsv (default ../shared/eval/scifact)
  --store        sqlite: the embedded store in a temporary file (default); memory: the same store in memory;
                 qdrant: the Qdrant store at QDRANT_URL (QDRANT_API_KEY), in fresh docrag_eval_<time>_ collections
  --encoder      bm25: in-process BM25 sparse (default); ml-api: the ml-api at ML_API_URL (dense + sparse)
  --tokenizer    tokenizer folder for chunk sizes (default ../shared/models/all-MiniLM-L6-v2-tokenizer)
  --chunk-limit  chunks fetched per query before ranking documents by their best chunk (default 200)`;

export interface CliOptions {
  readonly data: string;
  readonly store: StoreKind;
  readonly encoder: EncoderKind;
  readonly tokenizer: string;
  readonly chunkLimit: number;
  readonly maxQueries?: number;
}

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** Parses the command line; throws a message naming the bad flag. */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      data: { type: 'string' },
      store: { type: 'string', default: 'sqlite' },
      encoder: { type: 'string', default: 'bm25' },
      tokenizer: { type: 'string' },
      'chunk-limit': { type: 'string' },
      'max-queries': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.store !== 'sqlite' && values.store !== 'memory' && values.store !== 'qdrant') {
    throw new Error(`--store must be sqlite, memory or qdrant, got "${values.store}"`);
  }
  if (values.encoder !== 'bm25' && values.encoder !== 'ml-api') throw new Error(`--encoder must be bm25 or ml-api, got "${values.encoder}"`);
  const shared = sharedDir(env);
  const maxQueries = values['max-queries'] === undefined ? undefined : positiveInt('max-queries', values['max-queries'], 0);
  return {
    data: path.resolve(values.data ?? path.join(shared, 'eval', 'scifact')),
    store: values.store,
    encoder: values.encoder,
    tokenizer: path.resolve(values.tokenizer ?? path.join(shared, 'models', 'all-MiniLM-L6-v2-tokenizer')),
    chunkLimit: positiveInt('chunk-limit', values['chunk-limit'], 200),
    ...(maxQueries === undefined ? {} : { maxQueries }),
  };
}

/** The printed report; the last line is `nDCG@10=<value>`. */
export function formatReport(report: EvalReport, dataDir: string): string {
  return [
    `data            ${dataDir}`,
    `store           ${report.store}`,
    `encoder         ${report.encoder}`,
    `documents       ${report.documents} (${report.chunks} chunks)`,
    `queries         ${report.queries}`,
    `index time      ${report.indexSeconds.toFixed(1)} s`,
    `query latency   p50 ${report.queryP50Ms.toFixed(2)} ms, p95 ${report.queryP95Ms.toFixed(2)} ms`,
    `Recall@100      ${report.recall100.toFixed(4)}`,
    `MRR@10          ${report.mrr10.toFixed(4)}`,
    `nDCG@10=${report.ndcg10.toFixed(4)}`,
  ].join('\n');
}

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (!existsSync(options.data)) {
    console.error(`no data at ${options.data}: put the shared folder beside the repository or pass --data <dir>`);
    process.exitCode = 2;
    return;
  }
  const data = loadBeir(options.data);
  const report = await evaluateBeir(data, {
    store: options.store,
    encoder: options.encoder,
    tokenCounter: loadTokenCounter(options.tokenizer),
    chunkLimit: options.chunkLimit,
    ...(options.maxQueries === undefined ? {} : { maxQueries: options.maxQueries }),
    ...(process.env['ML_API_URL'] ? { mlApiUrl: process.env['ML_API_URL'] } : {}),
    ...(process.env['ML_API_KEY'] ? { mlApiKey: process.env['ML_API_KEY'] } : {}),
    ...(process.env['QDRANT_URL'] ? { qdrantUrl: process.env['QDRANT_URL'] } : {}),
    ...(process.env['QDRANT_API_KEY'] ? { qdrantApiKey: process.env['QDRANT_API_KEY'] } : {}),
    onProgress: (message) => console.error(message),
  });
  console.log(formatReport(report, options.data));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
