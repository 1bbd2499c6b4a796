/**
 * Every Prometheus metric the product exports, in one place. Code registers metrics from these
 * definitions (see `metrics.ts`), the Grafana dashboards and alert rules query them by name, and a
 * test checks that no dashboard or rule uses a name that is not listed here and registered by code.
 *
 * Rules for adding one:
 * - names are snake_case with a unit suffix (`_seconds`, `_bytes`, `_total` for counters), as the
 *   Prometheus naming guide asks (https://prometheus.io/docs/practices/naming/);
 * - labels stay low-cardinality: a label value set must be small and known in advance. Never a
 *   user id, chat id, file name or message text (each distinct value is a new time series kept in
 *   memory by both the app and Prometheus).
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** The process that exports a metric (and the Prometheus `job` that scrapes it). */
export type MetricService = 'bot' | 'ml-api' | 'metrics-exporter';

export interface MetricDefinition<L extends string = string> {
  /** The Prometheus name, without the `_bucket`/`_sum`/`_count` suffixes a histogram adds. */
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: readonly L[];
  /** Histogram buckets (upper bounds). */
  readonly buckets?: readonly number[];
  readonly service: MetricService;
}

function define<const L extends string>(definition: MetricDefinition<L>): MetricDefinition<L> {
  return definition;
}

// ---- shared buckets -------------------------------------------------------------------------

/**
 * Latency buckets for user-facing stages, 5 ms to 60 s. The upper end covers a slow LLM answer;
 * the lower end resolves an embedded-store query (single-digit milliseconds).
 */
export const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60] as const;

/** Buckets for ml-api internals, 1 ms to 10 s (a CPU batch of 32 short texts is ~50-300 ms). */
export const ML_LATENCY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Ingestion of one file: a small Markdown file is sub-second, a 300-page PDF takes minutes on CPU. */
export const INGESTION_BUCKETS_SECONDS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600] as const;

/** Batch sizes in items, powers of two up to the largest configurable batch. */
export const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256] as const;

/** Tokens in one batch (items x padded length). */
export const BATCH_TOKEN_BUCKETS = [64, 256, 1024, 2048, 4096, 8192, 16384, 32768, 65536] as const;

// ---- label values ---------------------------------------------------------------------------

/**
 * `stage` values of `rag_question_duration_seconds`. The first six match the domain's
 * `AnswerStage`; `telegram` is the time spent sending/editing the answer message, `total` is
 * update received -> final message sent (the SLO is defined on it).
 */
export const QUESTION_STAGES = ['condense', 'embed', 'search', 'rerank', 'llm_ttft', 'llm_total', 'telegram', 'total'] as const;
export type QuestionStage = (typeof QUESTION_STAGES)[number];

/** `outcome` of a question: the answer mode, or why there was none. */
export const QUESTION_OUTCOMES = ['generated', 'extractive', 'no_sources', 'error', 'cancelled'] as const;
export type QuestionOutcome = (typeof QUESTION_OUTCOMES)[number];

/** `outcome` of an ingestion. */
export const INGESTION_OUTCOMES = ['indexed', 'duplicate', 'failed'] as const;
export type IngestionOutcome = (typeof INGESTION_OUTCOMES)[number];

/** `kind` of `llm_tokens_total`. */
export const TOKEN_KINDS = ['input', 'output'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/** `outcome` of an embedding-cache lookup. */
export const CACHE_OUTCOMES = ['hit', 'miss'] as const;
export type CacheOutcome = (typeof CACHE_OUTCOMES)[number];

/** `task` label of ml-api metrics. */
export const ML_TASKS = ['embed', 'rerank'] as const;
export type MlTask = (typeof ML_TASKS)[number];

// ---- bot ------------------------------------------------------------------------------------

export const RAG_QUESTION_DURATION = define({
  name: 'rag_question_duration_seconds',
  help: 'Time spent answering a question, by pipeline stage (condense, embed, search, rerank, llm_ttft, llm_total, telegram, total).',
  type: 'histogram',
  labelNames: ['stage'],
  buckets: LATENCY_BUCKETS_SECONDS,
  service: 'bot',
});

export const RAG_QUESTIONS = define({
  name: 'rag_questions_total',
  help: 'Questions answered, by outcome (generated, extractive, no_sources, error, cancelled).',
  type: 'counter',
  labelNames: ['outcome'],
  service: 'bot',
});

export const RAG_ERRORS = define({
  name: 'rag_errors_total',
  help: 'Errors while answering or ingesting, by type (the RagError code, or "internal" for unexpected errors).',
  type: 'counter',
  labelNames: ['type'],
  service: 'bot',
});

export const EMBEDDING_CACHE_LOOKUPS = define({
  name: 'embedding_cache_lookups_total',
  help: 'Query-embedding cache lookups, by outcome (hit, miss).',
  type: 'counter',
  labelNames: ['outcome'],
  service: 'bot',
});

export const INGESTION_FILES = define({
  name: 'ingestion_files_total',
  help: 'Files ingested, by detected format and outcome (indexed, duplicate, failed).',
  type: 'counter',
  labelNames: ['format', 'outcome'],
  service: 'bot',
});

export const INGESTION_CHUNKS = define({
  name: 'ingestion_chunks_total',
  help: 'Child chunks written to the store by ingestion, by format.',
  type: 'counter',
  labelNames: ['format'],
  service: 'bot',
});

export const INGESTION_DURATION = define({
  name: 'ingestion_duration_seconds',
  help: 'Time to ingest one file (download to registered), by format and outcome.',
  type: 'histogram',
  labelNames: ['format', 'outcome'],
  buckets: INGESTION_BUCKETS_SECONDS,
  service: 'bot',
});

export const LLM_TOKENS = define({
  name: 'llm_tokens_total',
  help: 'LLM tokens used, by model and kind (input, output), as reported by the provider.',
  type: 'counter',
  labelNames: ['model', 'kind'],
  service: 'bot',
});

export const LLM_COST = define({
  name: 'llm_cost_usd_total',
  help: 'Estimated LLM spend in US dollars, by model, from the configured price table (0 for unknown models).',
  type: 'counter',
  labelNames: ['model'],
  service: 'bot',
});

export const LLM_ERRORS = define({
  name: 'llm_errors_total',
  help: 'LLM call failures, by type (rate_limited, timeout, unavailable, bad_request, auth, other).',
  type: 'counter',
  labelNames: ['type'],
  service: 'bot',
});

export const TELEGRAM_API_DURATION = define({
  name: 'telegram_api_duration_seconds',
  help: 'Outgoing Telegram Bot API call latency, by method.',
  type: 'histogram',
  labelNames: ['method'],
  buckets: LATENCY_BUCKETS_SECONDS,
  service: 'bot',
});

export const TELEGRAM_API_ERRORS = define({
  name: 'telegram_api_errors_total',
  help: 'Failed Telegram Bot API calls, by method and error code (429 = flood control; "network" when no response).',
  type: 'counter',
  labelNames: ['method', 'code'],
  service: 'bot',
});

export const TELEGRAM_UPDATES = define({
  name: 'telegram_updates_total',
  help: 'Telegram updates received, by update type (message, callback_query, ...).',
  type: 'counter',
  labelNames: ['update_type'],
  service: 'bot',
});

export const ACTIVE_USERS = define({
  name: 'bot_active_users',
  help: 'Distinct users who sent an update within the window (users are counted, never labelled).',
  type: 'gauge',
  labelNames: ['window'],
  service: 'bot',
});

// ---- ml-api ---------------------------------------------------------------------------------

export const ML_REQUEST_DURATION = define({
  name: 'ml_request_duration_seconds',
  help: 'ml-api HTTP request duration, by route and status code.',
  type: 'histogram',
  labelNames: ['route', 'status'],
  buckets: ML_LATENCY_BUCKETS_SECONDS,
  service: 'ml-api',
});

export const ML_QUEUE_WAIT = define({
  name: 'ml_queue_wait_seconds',
  help: 'Time a request waited in the batching queue before its batch started, by task.',
  type: 'histogram',
  labelNames: ['task'],
  buckets: ML_LATENCY_BUCKETS_SECONDS,
  service: 'ml-api',
});

export const ML_INFERENCE_DURATION = define({
  name: 'ml_inference_duration_seconds',
  help: 'Model run time for one batch (tokenize + session.run + pooling), by task.',
  type: 'histogram',
  labelNames: ['task'],
  buckets: ML_LATENCY_BUCKETS_SECONDS,
  service: 'ml-api',
});

export const ML_BATCH_SIZE = define({
  name: 'ml_batch_size',
  help: 'Items (texts or query-document pairs) per executed batch, by task.',
  type: 'histogram',
  labelNames: ['task'],
  buckets: BATCH_SIZE_BUCKETS,
  service: 'ml-api',
});

export const ML_BATCH_TOKENS = define({
  name: 'ml_batch_tokens',
  help: 'Tokens per executed batch (items x padded sequence length), by task.',
  type: 'histogram',
  labelNames: ['task'],
  buckets: BATCH_TOKEN_BUCKETS,
  service: 'ml-api',
});

export const ML_QUEUE_DEPTH = define({
  name: 'ml_queue_depth',
  help: 'Items waiting in the batching queue, by task.',
  type: 'gauge',
  labelNames: ['task'],
  service: 'ml-api',
});

export const ML_REJECTED_REQUESTS = define({
  name: 'ml_rejected_requests_total',
  help: 'Requests refused without inference, by task and reason (queue_full, too_large, timeout, not_ready, invalid).',
  type: 'counter',
  labelNames: ['task', 'reason'],
  service: 'ml-api',
});

export const ML_MODEL_LOAD = define({
  name: 'ml_model_load_seconds',
  help: 'Time it took to load each model at start-up.',
  type: 'gauge',
  labelNames: ['model'],
  service: 'ml-api',
});

export const ML_MODEL_INFO = define({
  name: 'ml_model_info',
  help: 'Loaded models (value 1): name, execution provider (cuda, cpu) and output dimension ("0" for rerankers).',
  type: 'gauge',
  labelNames: ['model', 'provider', 'dim'],
  service: 'ml-api',
});

export const ML_READY = define({
  name: 'ml_ready',
  help: '1 when the ml-api has loaded its models and accepts inference, else 0 (mirrors /health/ready).',
  type: 'gauge',
  labelNames: [],
  service: 'ml-api',
});

// ---- metrics-exporter -----------------------------------------------------------------------

export const STORE_POINTS = define({
  name: 'store_points',
  help: 'Child chunks (points) in the vector store, by store (qdrant, sqlite) and collection.',
  type: 'gauge',
  labelNames: ['store', 'collection'],
  service: 'metrics-exporter',
});

export const STORE_FILES = define({
  name: 'store_files',
  help: 'Distinct files in the vector store, by store and collection (where the store can count them).',
  type: 'gauge',
  labelNames: ['store', 'collection'],
  service: 'metrics-exporter',
});

export const STORE_SEGMENTS = define({
  name: 'store_segments',
  help: 'Storage segments of the collection (Qdrant segments; 1 for the embedded store file).',
  type: 'gauge',
  labelNames: ['store', 'collection'],
  service: 'metrics-exporter',
});

export const STORE_INDEXED_VECTORS = define({
  name: 'store_indexed_vectors',
  help: 'Vectors covered by the ANN index (Qdrant indexed_vectors_count); below store_points while indexing.',
  type: 'gauge',
  labelNames: ['store', 'collection'],
  service: 'metrics-exporter',
});

export const STORE_STATUS = define({
  name: 'store_status',
  help: 'Collection status: 1 on the series whose status label is current (green, yellow, grey, red), 0 on the others.',
  type: 'gauge',
  labelNames: ['store', 'collection', 'status'],
  service: 'metrics-exporter',
});

export const STORE_SIZE = define({
  name: 'store_size_bytes',
  help: 'On-disk size of the embedded store file (sqlite only).',
  type: 'gauge',
  labelNames: ['store', 'collection'],
  service: 'metrics-exporter',
});

export const GPU_UTILIZATION = define({
  name: 'gpu_utilization_ratio',
  help: 'GPU compute utilisation, 0..1, by GPU index and name (from nvidia-smi).',
  type: 'gauge',
  labelNames: ['gpu', 'name'],
  service: 'metrics-exporter',
});

export const GPU_MEMORY_USED = define({
  name: 'gpu_memory_used_bytes',
  help: 'GPU memory in use, by GPU index and name (from nvidia-smi).',
  type: 'gauge',
  labelNames: ['gpu', 'name'],
  service: 'metrics-exporter',
});

export const GPU_MEMORY_TOTAL = define({
  name: 'gpu_memory_total_bytes',
  help: 'GPU memory installed, by GPU index and name (from nvidia-smi).',
  type: 'gauge',
  labelNames: ['gpu', 'name'],
  service: 'metrics-exporter',
});

export const GPU_TEMPERATURE = define({
  name: 'gpu_temperature_celsius',
  help: 'GPU core temperature, by GPU index and name (from nvidia-smi).',
  type: 'gauge',
  labelNames: ['gpu', 'name'],
  service: 'metrics-exporter',
});

export const INGESTION_BACKLOG = define({
  name: 'ingestion_backlog_files',
  help: 'Files left in the "indexing" state (queued or interrupted ingestions) across all owners.',
  type: 'gauge',
  labelNames: [],
  service: 'metrics-exporter',
});

export const LLM_COST_TODAY = define({
  name: 'llm_cost_usd_today',
  help: 'Estimated LLM spend since 00:00 UTC today, by model (summed from the bot\'s llm_cost_usd_total).',
  type: 'gauge',
  labelNames: ['model'],
  service: 'metrics-exporter',
});

export const LLM_TOKENS_TODAY = define({
  name: 'llm_tokens_today',
  help: 'LLM tokens used since 00:00 UTC today, by model and kind (summed from the bot\'s llm_tokens_total).',
  type: 'gauge',
  labelNames: ['model', 'kind'],
  service: 'metrics-exporter',
});

/**
 * Named `exporter_collector_up` rather than a bare `up{collector}`: Prometheus writes its own
 * synthetic `up{job,instance}` for every scrape (https://prometheus.io/docs/concepts/jobs_instances/),
 * and alerts on `up == 0` would then mix scrape failures with collector failures.
 */
export const EXPORTER_COLLECTOR_UP = define({
  name: 'exporter_collector_up',
  help: '1 when the collector\'s last run succeeded, 0 when it failed (the error is logged).',
  type: 'gauge',
  labelNames: ['collector'],
  service: 'metrics-exporter',
});

export const EXPORTER_COLLECTOR_DURATION = define({
  name: 'exporter_collector_duration_seconds',
  help: 'Duration of each collector\'s last run.',
  type: 'gauge',
  labelNames: ['collector'],
  service: 'metrics-exporter',
});

// ---- catalogue ------------------------------------------------------------------------------

/** Every metric above, for registration checks and dashboard/rule cross-checks. */
export const ALL_METRICS: readonly MetricDefinition[] = [
  RAG_QUESTION_DURATION,
  RAG_QUESTIONS,
  RAG_ERRORS,
  EMBEDDING_CACHE_LOOKUPS,
  INGESTION_FILES,
  INGESTION_CHUNKS,
  INGESTION_DURATION,
  LLM_TOKENS,
  LLM_COST,
  LLM_ERRORS,
  TELEGRAM_API_DURATION,
  TELEGRAM_API_ERRORS,
  TELEGRAM_UPDATES,
  ACTIVE_USERS,
  ML_REQUEST_DURATION,
  ML_QUEUE_WAIT,
  ML_INFERENCE_DURATION,
  ML_BATCH_SIZE,
  ML_BATCH_TOKENS,
  ML_QUEUE_DEPTH,
  ML_REJECTED_REQUESTS,
  ML_MODEL_LOAD,
  ML_MODEL_INFO,
  ML_READY,
  STORE_POINTS,
  STORE_FILES,
  STORE_SEGMENTS,
  STORE_INDEXED_VECTORS,
  STORE_STATUS,
  STORE_SIZE,
  GPU_UTILIZATION,
  GPU_MEMORY_USED,
  GPU_MEMORY_TOTAL,
  GPU_TEMPERATURE,
  INGESTION_BACKLOG,
  LLM_COST_TODAY,
  LLM_TOKENS_TODAY,
  EXPORTER_COLLECTOR_UP,
  EXPORTER_COLLECTOR_DURATION,
];

/** The metrics one service exports. */
export function metricsOf(service: MetricService): readonly MetricDefinition[] {
  return ALL_METRICS.filter((metric) => metric.service === service);
}

/**
 * Series names Prometheus stores for a metric: a histogram becomes `_bucket`, `_sum` and `_count`.
 * Dashboards and rules query these.
 */
export function seriesNames(metric: MetricDefinition): string[] {
  return metric.type === 'histogram'
    ? [`${metric.name}_bucket`, `${metric.name}_sum`, `${metric.name}_count`]
    : [metric.name];
}

/**
 * Metrics every Node process exports through prom-client's default collectors
 * (`collectDefaultMetrics`), which dashboards may also query.
 */
export const PROCESS_METRIC_NAMES = [
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'process_start_time_seconds',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_heap_size_used_bytes',
] as const;
