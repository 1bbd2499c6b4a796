/**
 * The ml-api's configuration, parsed once in main.ts with zod. Keys ARE the environment variable
 * names; docs/ml-api.md and the deployment manifests are checked against this schema, so every key
 * has a default where one makes sense and a `.describe()` text.
 */
import { DEFAULT_MAX_BODY_BYTES, MAX_RERANK_DOCUMENTS, MAX_TEXTS_PER_REQUEST } from '@docrag/ml-protocol';
import { z } from 'zod';

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(fallback);
const port = (fallback: number) => int(fallback, 0, 65_535);
const optionalUrl = z.url({ error: 'must be an absolute URL' }).optional();
const sha256 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be a sha256 in hex (64 characters)')
  .transform((v) => v.toLowerCase())
  .optional();

export const configSchema = z.object({
  // ---- network ----
  HOST: z.string().default('0.0.0.0').describe('Interface the API and metrics servers bind.'),
  PORT: port(8000).describe('API port: /embed, /rerank, /v1/embeddings, /health, /health/live, /health/ready.'),
  METRICS_PORT: port(9465).describe('Internal port serving /metrics (Prometheus) and the health routes again.'),
  METRICS_ENABLED: bool(true).describe('false turns /metrics off (the health routes stay).'),
  ML_API_KEY: z.string().optional().describe('Bearer token required on every inference route when set (secret). Health routes stay open for probes.'),
  MAX_BODY_BYTES: int(DEFAULT_MAX_BODY_BYTES, 1024).describe('Largest request body in bytes; bigger bodies get 413 payload_too_large.'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level.'),
  SHUTDOWN_GRACE_MS: int(10_000).describe('On SIGTERM, how long in-flight requests may finish before the process exits.'),

  // ---- models ----
  MODEL_DIR: z.string().default('models').describe('Model cache folder; each model has a sub-folder with model.onnx and tokenizer.json.'),
  MODEL_VARIANT: z.enum(['int8', 'fp32']).default('int8').describe('Which pinned weights the container fetcher put in MODEL_DIR (infra/docker/models.json); logged, not used for inference.'),
  EMBED_MODEL_NAME: z.string().default('all-MiniLM-L6-v2').describe('Embedding model name reported by /health/ready and ml_model_info.'),
  EMBED_MODEL_DIR: z.string().optional().describe('Embedding model folder (default MODEL_DIR/EMBED_MODEL_NAME). No model.onnx there and no URL: dense embeddings are off.'),
  EMBED_MODEL_URL: optionalUrl.describe('Downloads model.onnx into EMBED_MODEL_DIR on first start (resumable).'),
  EMBED_MODEL_SHA256: sha256.describe('Pinned sha256 of the embedding model.onnx; a mismatch stops start-up.'),
  EMBED_TOKENIZER_URL: optionalUrl.describe('tokenizer.json URL (default: beside EMBED_MODEL_URL, or one folder up from an onnx/ folder).'),
  EMBED_TOKENIZER_SHA256: sha256.describe('Pinned sha256 of the embedding tokenizer.json.'),
  EMBED_POOLING: z.enum(['mean', 'cls']).default('mean').describe('Sentence pooling: mean over the attention mask (MiniLM) or the [CLS] token.'),
  EMBED_MAX_LENGTH: int(256, 4, 8192).describe('Longest embedding input in word pieces (all-MiniLM-L6-v2 was trained with 256); longer input is truncated.'),
  RERANK_MODEL_NAME: z.string().default('ms-marco-MiniLM-L-12-v2').describe('Reranker name reported by /health/ready and ml_model_info.'),
  RERANK_MODEL_DIR: z.string().optional().describe('Reranker folder (default MODEL_DIR/RERANK_MODEL_NAME). No model.onnx there and no URL: /rerank answers 503 model_unavailable.'),
  RERANK_MODEL_URL: optionalUrl.describe('Downloads the reranker model.onnx into RERANK_MODEL_DIR on first start (resumable).'),
  RERANK_MODEL_SHA256: sha256.describe('Pinned sha256 of the reranker model.onnx; a mismatch stops start-up.'),
  RERANK_TOKENIZER_URL: optionalUrl.describe('Reranker tokenizer.json URL (default derived from RERANK_MODEL_URL).'),
  RERANK_TOKENIZER_SHA256: sha256.describe('Pinned sha256 of the reranker tokenizer.json.'),
  RERANK_MAX_LENGTH: int(512, 4, 8192).describe('Longest (query, document) pair in word pieces; the longer side is truncated first.'),
  SPARSE_LANGUAGE: z.string().default('english').describe('Language of the BM25 sparse encoder (stop words and Snowball stemmer); must match the bot.'),

  // ---- onnxruntime ----
  ML_DEVICE: z.enum(['auto', 'cuda', 'cpu']).default('auto').describe('Execution provider: auto tries CUDA and falls back to CPU; cuda fails start-up without it.'),
  ORT_INTRA_OP_THREADS: int(0, 0, 256).describe('Threads inside one operator (0 = onnxruntime default: one per physical core).'),
  ORT_INTER_OP_THREADS: int(0, 0, 256).describe('Threads across independent operators (0 = onnxruntime default).'),
  ORT_GRAPH_OPTIMIZATION: z.enum(['disabled', 'basic', 'extended', 'all']).default('all').describe('onnxruntime graph optimisation level.'),
  ORT_ALLOW_SPINNING: bool(false).describe("Let onnxruntime's threads busy-wait between runs (its own default). Off: in a server the event loop shares the cores, and spinning cost ~1 ms CPU per run of a small model."),
  ORT_CPU_MEM_ARENA: bool(true).describe("onnxruntime's CPU memory arena (its default): intermediate tensors come from a pool that grows to the largest batch and is never given back (hence the warm-up at the largest batch). Off, each run mallocs and frees its tensors: the MiniLM-L6 server peaked higher (850-890 against 650 MiB) and ingested a third slower (docs/performance.md)."),
  ORT_MEM_PATTERN: bool(false).describe("onnxruntime memory patterns (its default: on) plan each new input shape's intermediates as one block. Off here: dynamic batching makes shapes vary, and with it on the MiniLM-L6 server's peak RSS was ~240 MiB higher at the same throughput (docs/performance.md)."),
  ORT_WORKER_THREAD: bool(true).describe("Run each model's inference in its own worker thread. onnxruntime-node runs a batch synchronously on the thread that calls it (a 32 x 256 MiniLM-L6 batch ~0.7 s), so false stops the event loop for every batch: no request parsed, no 503 overloaded, no health probe answered meanwhile."),
  MODEL_WARMUP: bool(true).describe("Run each model at start-up at the largest batch its batcher allows (MAX_BATCH_SIZE inputs of MAX_LENGTH word pieces, within MAX_BATCH_TOKENS), so the first request is not slow and onnxruntime's arena reaches its peak before traffic (logged with its time)."),

  // ---- dynamic batching ----
  EMBED_MAX_BATCH_SIZE: int(32, 1, 1024).describe('Most texts per embedding batch (the original service used 32).'),
  EMBED_MAX_WAIT_MS: int(10, 0, 10_000).describe('How long the first queued text waits for others before its batch runs.'),
  EMBED_MAX_BATCH_TOKENS: int(8192, 4).describe('Cap on batch size x padded length for embeddings: bounds the activation memory, hence RSS.'),
  EMBED_MAX_PADDING_FRACTION: z.coerce.number().min(0).max(1).default(0.25).describe('Largest share of an embedding batch tensor that may be padding before the length-sorted batch is cut in two (1 = never cut; suits GPUs, where another run costs more than padding).'),
  EMBED_MAX_CONCURRENT_BATCHES: int(1, 1, 16).describe('Embedding batches that may run at once; 2 overlaps the JavaScript around one run with the next run.'),
  RERANK_MAX_BATCH_SIZE: int(16, 1, 1024).describe('Most (query, document) pairs per rerank batch (the original service used 16).'),
  RERANK_MAX_WAIT_MS: int(20, 0, 10_000).describe('How long the first queued pair waits for others before its batch runs.'),
  RERANK_MAX_BATCH_TOKENS: int(8192, 4).describe('Cap on batch size x padded length for rerank batches.'),
  RERANK_MAX_PADDING_FRACTION: z.coerce.number().min(0).max(1).default(0.25).describe('Largest share of a rerank batch tensor that may be padding before the batch is cut in two.'),
  RERANK_MAX_CONCURRENT_BATCHES: int(1, 1, 16).describe('Rerank batches that may run at once.'),
  MAX_QUEUE_ITEMS: int(1024, MAX_TEXTS_PER_REQUEST).describe(`Texts or pairs that may wait per model; beyond it requests get 503 overloaded with Retry-After (at least ${MAX_TEXTS_PER_REQUEST}, one full request).`),
  QUEUE_TIMEOUT_MS: int(30_000, 0).describe('A queued item older than this when its batch forms is answered 503 overloaded instead of run (0 = never).'),
  RETRY_AFTER_SECONDS: int(1, 1, 3600).describe('Retry-After sent with 503 overloaded and not_ready.'),
});

export type Config = z.infer<typeof configSchema>;

/** Names whose values never reach a log line. */
export const secretKeys = ['ML_API_KEY'] as const;

/** Thrown by `loadConfig`; the message names every offending variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly { variable: string; message: string }[]) {
    super(`invalid ml-api configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
  }
}

/**
 * Parses the environment. Empty strings count as unset (compose files often pass `VAR=`); unknown
 * variables are ignored. Cross-field rules (a batch must hold one longest input) are checked too.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') input[key] = value.trim();
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? 'config'), message: issue.message })));
  }
  const config = parsed.data;
  const problems: { variable: string; message: string }[] = [];
  if (config.EMBED_MAX_BATCH_TOKENS < config.EMBED_MAX_LENGTH) {
    problems.push({ variable: 'EMBED_MAX_BATCH_TOKENS', message: `must be at least EMBED_MAX_LENGTH (${config.EMBED_MAX_LENGTH}) so one longest text fits a batch` });
  }
  if (config.RERANK_MAX_BATCH_TOKENS < config.RERANK_MAX_LENGTH) {
    problems.push({ variable: 'RERANK_MAX_BATCH_TOKENS', message: `must be at least RERANK_MAX_LENGTH (${config.RERANK_MAX_LENGTH}) so one longest pair fits a batch` });
  }
  if (config.MAX_QUEUE_ITEMS < MAX_RERANK_DOCUMENTS) {
    problems.push({ variable: 'MAX_QUEUE_ITEMS', message: `must hold one full rerank (${MAX_RERANK_DOCUMENTS})` });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Model folders after defaults: `MODEL_DIR/<name>` unless set explicitly. */
export function modelDirs(config: Config): { embed: string; rerank: string } {
  return {
    embed: config.EMBED_MODEL_DIR ?? `${config.MODEL_DIR.replace(/\/+$/, '')}/${config.EMBED_MODEL_NAME}`,
    rerank: config.RERANK_MODEL_DIR ?? `${config.MODEL_DIR.replace(/\/+$/, '')}/${config.RERANK_MODEL_NAME}`,
  };
}
