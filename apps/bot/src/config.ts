/**
 * The bot's configuration, parsed once at the app edge (main.ts, the Deno entry) with zod.
 * Keys ARE the environment variable names; the README config table and the deployment manifests
 * are checked against this schema by tests, so every key carries a default (where one makes
 * sense) and a `.describe()` text.
 */
import { ANSWER_DEFAULTS, CHUNKING_DEFAULTS, INGEST_DEFAULTS } from '@docrag/domain';
import { MAX_RERANK_DOCUMENTS, MAX_TEXTS_PER_REQUEST } from '@docrag/ml-protocol';
import { z } from 'zod';
import { DEFAULT_ANSWER_CANCEL_WAIT_MS, DEFAULT_ANSWER_LOCK_TTL_MS } from './services/in-flight';

/** `"1, 2,3"` -> `[1, 2, 3]`; Telegram ids are integers (negative for groups). */
const idList = z
  .string()
  .default('')
  .transform((raw, ctx) => {
    const ids: number[] = [];
    for (const part of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
      const id = Number(part);
      if (!Number.isSafeInteger(id)) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not a Telegram id (expected integers separated by commas)` });
        return z.NEVER;
      }
      ids.push(id);
    }
    return ids;
  });

const stringList = z
  .string()
  .default('')
  .transform((raw) => raw.split(',').map((s) => s.trim()).filter(Boolean));

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .default(fallback ? 'true' : 'false')
    .transform((v) => (v === '' ? fallback : v === 'true' || v === '1' || v === 'yes'));

const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(fallback);
const port = (fallback: number) => int(fallback, 0, 65_535);
const optionalUrl = z
  .string()
  .default('')
  .refine((v) => v === '' || URL.canParse(v), 'must be an absolute URL (or empty)')
  .transform((v) => (v === '' ? undefined : v.replace(/\/+$/, '')));

export const configSchema = z
  .object({
    // ---- Telegram ----
    TELEGRAM_TOKEN: z
      .string({ error: 'TELEGRAM_TOKEN is required (from @BotFather)' })
      .regex(/^\d+:[\w-]+$/, 'TELEGRAM_TOKEN does not look like a bot token ("123456:ABC...")')
      .describe('Bot token from @BotFather (secret).'),
    TELEGRAM_API_ROOT: z
      .url()
      .default('https://api.telegram.org')
      .transform((v) => v.replace(/\/+$/, ''))
      .describe('Bot API root; point at a self-hosted Bot API server (files up to 2 GB) or a test emulator.'),
    BOT_MODE: z.enum(['polling', 'webhook']).default('polling').describe('How updates arrive: long polling (@grammyjs/runner) or a webhook.'),
    DROP_STALE_UPDATES: bool(true).describe('Polling: on start, drop pending updates except the last message of each chat.'),
    WEBHOOK_URL: optionalUrl.describe('Public HTTPS URL Telegram posts updates to (webhook mode), e.g. https://bot.example.com/telegram.'),
    WEBHOOK_SECRET: z
      .string()
      .default('')
      .refine((v) => v === '' || /^[A-Za-z0-9_-]{1,256}$/.test(v), 'WEBHOOK_SECRET may hold 1-256 characters A-Z a-z 0-9 _ - (Bot API secret_token)')
      .describe('secret_token Telegram sends in X-Telegram-Bot-Api-Secret-Token; requests without it get 401 (secret).'),
    WEBHOOK_HOST: z.string().default('0.0.0.0').describe('Interface the webhook server binds.'),
    WEBHOOK_PORT: port(8443).describe('Port of the webhook server.'),
    WEBHOOK_PATH: z.string().startsWith('/').default('/telegram').describe('Path of the webhook endpoint.'),
    WEBHOOK_REGISTER: bool(true).describe('Call setWebhook on start (turn off when the webhook is managed elsewhere).'),
    WEBHOOK_DROP_PENDING_UPDATES: bool(false).describe('Pass drop_pending_updates to setWebhook.'),
    WEBHOOK_MAX_CONNECTIONS: int(40, 1, 100).describe('max_connections for setWebhook (Bot API allows 1-100).'),

    // ---- access ----
    ALLOWED_USER_IDS: idList.describe('Comma-separated Telegram user ids that may use the bot.'),
    ALLOWED_CHAT_IDS: idList.describe('Comma-separated chat ids (groups) where anyone may use the bot.'),
    ADMIN_USER_IDS: idList.describe('Comma-separated user ids that may use the bot and see everyone\'s usage.'),
    ALLOW_ALL_USERS: bool(false).describe('Run open to every Telegram user. Required when no allowlist is set.'),
    GROUP_POLICY: z
      .enum(['mention', 'reply', 'keyword', 'open'])
      .default('mention')
      .describe('When to answer plain messages in groups: @mention, reply to the bot, a keyword, or every message.'),
    GROUP_KEYWORDS: stringList.describe('Comma-separated trigger words for GROUP_POLICY=keyword (case-insensitive).'),

    // ---- limits ----
    MAX_FILE_MB: z.coerce.number().positive().max(2000).default(10).describe('Largest upload accepted, in MB (the cloud Bot API serves at most 20 MB).'),
    MAX_HISTORY_TURNS: int(ANSWER_DEFAULTS.maxHistoryTurns, 0, 50).describe('Question/answer turns kept per chat for follow-up questions.'),
    USER_DAILY_TOKENS: int(200_000).describe('LLM tokens a user may spend per UTC day (0 = unlimited).'),
    RATE_LIMIT_MESSAGES: int(6, 1).describe('Incoming messages a user may send per RATE_LIMIT_WINDOW_MS.'),
    RATE_LIMIT_WINDOW_MS: int(10_000, 100).describe('Window of the incoming-message rate limit, in ms.'),
    STREAM_EDIT_INTERVAL_MS: int(1200, 1000).describe('Minimum gap between streamed edits in groups, in ms (grows with answer length).'),
    DRAFT_INTERVAL_MS: int(300, 50).describe('Minimum gap between streamed drafts in private chats, in ms.'),
    PROGRESS_EDIT_INTERVAL_MS: int(1000, 0).describe('Minimum gap between upload progress edits, in ms.'),
    SUMMARY_BATCH_TOKENS: int(6000, 500).describe('Tokens of document text per map step of /summarize.'),
    SUMMARY_MAX_TOKENS: int(700, 50).describe('max_tokens of each /summarize generation.'),
    EMBEDDING_CACHE_SIZE: int(1000).describe('Query embeddings kept in memory (LRU); 0 disables the cache.'),
    ANSWER_LOCK_TTL_MS: int(DEFAULT_ANSWER_LOCK_TTL_MS, 10_000, 3_600_000).describe(
      'With REDIS_URL, and on the Deno edge (KV): lifetime of the per-user lock that keeps one answer or /summarize in flight across bot processes, in ms. ' +
        'Renewed every third of it while the job runs (the default is above one answer with every timeout hit), so it mostly bounds how long a crashed process keeps its users waiting.',
    ),
    ANSWER_CANCEL_WAIT_MS: int(DEFAULT_ANSWER_CANCEL_WAIT_MS, 100, 60_000).describe(
      'With REDIS_URL, and on the Deno edge (KV): how long /cancel waits, in ms, for the bot process or isolate running the answer to stop it. ' +
        'When that lock is still held afterwards, its process is gone (crashed or killed) and /cancel releases it, so the user can ask again at once.',
    ),

    // ---- retrieval and ingestion sizes (defaults are the domain's) ----
    // Candidates are reranked in one ml-api request at most (MAX_RERANK_DOCUMENTS); each kept
    // source is a whole parent in the prompt, so 20 parents of 1200 tokens is already ~24k tokens.
    RETRIEVAL_LIMIT: int(ANSWER_DEFAULTS.retrievalLimit, 1, MAX_RERANK_DOCUMENTS).describe(
      `Candidates fetched by hybrid search and passed to the reranker (at most ${MAX_RERANK_DOCUMENTS}, one /rerank request).`,
    ),
    RERANK_TOP_K: int(ANSWER_DEFAULTS.rerankTopK, 1, 20).describe('Chunks kept after reranking, expanded to the parent passages numbered as sources (at most RETRIEVAL_LIMIT).'),
    CHUNK_PARENT_TOKENS: int(CHUNKING_DEFAULTS.parentTokens, 32, 8192).describe('Target size of a parent chunk (the passage the LLM sees), in tokenizer tokens. Applies to files indexed afterwards.'),
    CHUNK_CHILD_TOKENS: int(CHUNKING_DEFAULTS.childTokens, 16, 4096).describe('Largest child chunk (the unit embedded and searched), in tokens; below CHUNK_PARENT_TOKENS.'),
    CHUNK_OVERLAP_TOKENS: int(CHUNKING_DEFAULTS.childOverlap, 0, 2048).describe('Tokens repeated at the start of the next child; at most half of CHUNK_CHILD_TOKENS.'),
    EMBED_BATCH_SIZE: int(INGEST_DEFAULTS.embedBatchSize, 1, MAX_TEXTS_PER_REQUEST).describe(
      `Children embedded and written per batch while indexing a file (at most ${MAX_TEXTS_PER_REQUEST}, one ml-api /embed request).`,
    ),

    // ---- retrieval and models ----
    ML_API_URL: optionalUrl.describe('ml-api base URL (dense embeddings, rerank). Empty = in-process BM25 sparse only.'),
    ML_API_KEY: z.string().default('').describe('Bearer token for the ml-api (secret).'),
    QDRANT_URL: optionalUrl.describe('Qdrant URL. Empty = embedded SQLite store in DATA_DIR.'),
    QDRANT_API_KEY: z.string().default('').describe('Qdrant API key (secret).'),
    QDRANT_TIMEOUT_MS: int(10_000, 100).describe('Per-request timeout of Qdrant calls, in ms.'),
    QDRANT_RETRIES: int(2, 0, 10).describe('Retries after a transient Qdrant failure.'),
    QDRANT_COLLECTION_PREFIX: z.string().regex(/^[A-Za-z0-9_-]*$/, 'letters, digits, _ and - only').default('').describe('Prefix of the Qdrant chunks/parents aliases and collections.'),
    QDRANT_SHARDS: int(1, 1, 1000).describe('shard_number of collections created on first start (distributed Qdrant).'),
    QDRANT_REPLICATION_FACTOR: int(1, 1, 100).describe('replication_factor of collections created on first start.'),
    DATA_DIR: z.string().default('.data').describe('Directory of the embedded store (docrag.sqlite) and session files.'),
    SPARSE_LANGUAGE: z.string().default('english').describe('Language of the in-process BM25 encoder (Snowball name or ISO 639-1 code); must match the ml-api.'),
    TOKENIZER_PATH: z.string().default('').describe('Folder of the tokenizer.json used to size chunks (empty = the vendored MiniLM tokenizer).'),
    OPENAI_API_KEY: z.string().default('').describe('API key of the OpenAI-compatible LLM (secret). Empty = extractive answers.'),
    OPENAI_BASE_URL: optionalUrl.describe('Base URL of an OpenAI-compatible server (Ollama, vLLM, OpenRouter).'),
    DEFAULT_MODEL: z.string().default('gpt-4o').describe('Chat model name.'),
    LLM_MAX_TOKENS: int(1024, 16).describe('max_tokens of an answer.'),
    HTTP_TIMEOUT: int(60_000, 1000).describe('Timeout of LLM / ml-api HTTP calls, in ms.'),
    REDIS_URL: optionalUrl.describe('Redis URL: sessions, history, rate limits, budgets and webhook dedupe shared by several bot processes.'),

    // ---- operations ----
    METRICS_ENABLED: bool(true).describe('Serve /metrics on the internal server.'),
    METRICS_HOST: z.string().default('0.0.0.0').describe('Interface the internal server (metrics, health) binds.'),
    METRICS_PORT: port(9464).describe('Port of the internal server: /metrics, /health/live, /health/ready.'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level.'),
    STARTUP_TIMEOUT_MS: int(30_000, 1000).describe('How long start-up waits for the Bot API (getMe) before failing, in ms.'),
    SHUTDOWN_GRACE_MS: int(10_000, 0).describe('How long SIGTERM waits for answers in flight before cancelling them, in ms.'),
    OTEL_SDK_DISABLED: bool(false).describe('Turn OpenTelemetry off.'),
    OTEL_SERVICE_NAME: z.string().default('docrag-bot').describe('service.name of traces and metrics.'),
    OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl.describe('OTLP endpoint for traces (empty = no trace export).'),
  })
  .superRefine((c, ctx) => {
    const hasAllowlist = c.ALLOWED_USER_IDS.length + c.ALLOWED_CHAT_IDS.length + c.ADMIN_USER_IDS.length > 0;
    if (!hasAllowlist && !c.ALLOW_ALL_USERS) {
      ctx.addIssue({
        code: 'custom',
        path: ['ALLOW_ALL_USERS'],
        message:
          'refusing to run open to every Telegram user: set ALLOWED_USER_IDS, ALLOWED_CHAT_IDS or ADMIN_USER_IDS, ' +
          'or set ALLOW_ALL_USERS=true to allow everyone on purpose',
      });
    }
    if (c.BOT_MODE === 'webhook') {
      if (!c.WEBHOOK_SECRET) {
        ctx.addIssue({ code: 'custom', path: ['WEBHOOK_SECRET'], message: 'WEBHOOK_SECRET is required when BOT_MODE=webhook (requests are authenticated by it)' });
      }
      if (!c.WEBHOOK_URL && c.WEBHOOK_REGISTER) {
        ctx.addIssue({ code: 'custom', path: ['WEBHOOK_URL'], message: 'WEBHOOK_URL is required when BOT_MODE=webhook and WEBHOOK_REGISTER=true' });
      }
    }
    if (c.GROUP_POLICY === 'keyword' && c.GROUP_KEYWORDS.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['GROUP_KEYWORDS'], message: 'GROUP_KEYWORDS must list at least one word when GROUP_POLICY=keyword' });
    }
    // Limits compared with each other only when each is valid on its own: "RETRIEVAL_LIMIT=0" is
    // one mistake, not also a RERANK_TOP_K one.
    const invalid = new Set(ctx.issues.map((issue) => String(issue.path?.[0])));
    const valid = (...keys: (keyof typeof c)[]) => keys.every((key) => !invalid.has(key));
    if (valid('RERANK_TOP_K', 'RETRIEVAL_LIMIT') && c.RERANK_TOP_K > c.RETRIEVAL_LIMIT) {
      ctx.addIssue({
        code: 'custom',
        path: ['RERANK_TOP_K'],
        message: `RERANK_TOP_K (${c.RERANK_TOP_K}) cannot exceed RETRIEVAL_LIMIT (${c.RETRIEVAL_LIMIT}): the reranker only chooses among the retrieved candidates`,
      });
    }
    if (valid('CHUNK_CHILD_TOKENS', 'CHUNK_PARENT_TOKENS') && c.CHUNK_CHILD_TOKENS >= c.CHUNK_PARENT_TOKENS) {
      ctx.addIssue({
        code: 'custom',
        path: ['CHUNK_CHILD_TOKENS'],
        message: `CHUNK_CHILD_TOKENS (${c.CHUNK_CHILD_TOKENS}) must be smaller than CHUNK_PARENT_TOKENS (${c.CHUNK_PARENT_TOKENS}): children are pieces of a parent`,
      });
    }
    // Each child window starts (child - overlap) tokens after the previous one: past half a child,
    // every token is embedded more than twice and the index grows without new recall.
    if (valid('CHUNK_OVERLAP_TOKENS', 'CHUNK_CHILD_TOKENS') && c.CHUNK_OVERLAP_TOKENS * 2 > c.CHUNK_CHILD_TOKENS) {
      ctx.addIssue({
        code: 'custom',
        path: ['CHUNK_OVERLAP_TOKENS'],
        message: `CHUNK_OVERLAP_TOKENS (${c.CHUNK_OVERLAP_TOKENS}) must be at most half of CHUNK_CHILD_TOKENS (${c.CHUNK_CHILD_TOKENS})`,
      });
    }
  });

export type Config = z.infer<typeof configSchema>;

/** Keys whose values never reach a log line. */
export const secretKeys = ['TELEGRAM_TOKEN', 'WEBHOOK_SECRET', 'ML_API_KEY', 'QDRANT_API_KEY', 'OPENAI_API_KEY', 'REDIS_URL'] as const satisfies readonly (keyof Config)[];

/** Thrown by `loadConfig`; the message names every offending variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly { variable: string; message: string }[]) {
    super(`invalid bot configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
  }
}

/**
 * Parses the environment. Empty strings count as unset (compose files often pass `VAR=`), and
 * unknown variables are ignored. Fails fast with a `ConfigError` naming each bad variable.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') input[key] = value.trim();
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? 'config'),
        message: issue.code === 'invalid_type' && issue.input === undefined ? `${String(issue.path[0])} is required` : issue.message,
      })),
    );
  }
  return parsed.data;
}

/** A copy of the config that is safe to log: secrets replaced by `***` when set. */
export function redactConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const key of secretKeys) if (out[key]) out[key] = '***';
  return out;
}
