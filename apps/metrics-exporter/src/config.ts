/**
 * The metrics exporter's configuration, parsed once at the app edge (main.ts) with zod. Keys ARE
 * the environment variable names; the README config table and the deployment manifests are
 * checked against this schema.
 */
import { z } from 'zod';

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .default(fallback ? 'true' : 'false')
    .transform((v) => (v === '' ? fallback : v === 'true' || v === '1' || v === 'yes'));

const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(fallback);

const optionalUrl = z
  .string()
  .default('')
  .refine((v) => v === '' || URL.canParse(v), 'must be an absolute URL (or empty)')
  .transform((v) => (v === '' ? undefined : v.replace(/\/+$/, '')));

export const configSchema = z.object({
  // ---- server ----
  HOST: z.string().default('0.0.0.0').describe('Interface the exporter binds.'),
  PORT: int(9466, 0, 65_535).describe('Port of /metrics and /health.'),
  METRICS_ENABLED: bool(true).describe('Serve /metrics (false leaves only /health).'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level.'),
  COLLECTOR_TIMEOUT_MS: int(5_000, 100, 60_000).describe('A collector that takes longer fails this scrape (exporter_collector_up=0).'),

  // ---- stores ----
  QDRANT_URL: optionalUrl.describe('Qdrant URL; set = collect Qdrant collection stats over REST.'),
  QDRANT_API_KEY: z.string().default('').describe('Qdrant API key (secret), sent as the api-key header.'),
  QDRANT_COLLECTIONS: z
    .string()
    .default('')
    .transform((raw) => raw.split(',').map((s) => s.trim()).filter(Boolean))
    .describe('Comma-separated Qdrant collections to report; empty = every collection the server lists.'),
  DATA_DIR: z.string().default('.data').describe('Directory of the embedded store; DATA_DIR/docrag.sqlite is opened read-only for store stats and the ingestion backlog.'),
  SQLITE_STATS: z.enum(['auto', 'on', 'off']).default('auto').describe('Embedded store stats: auto = when QDRANT_URL is empty; on/off force it.'),
  INGESTION_BACKLOG: z
    .enum(['auto', 'on', 'off'])
    .default('auto')
    .describe("Ingestion backlog from the bot's job table in DATA_DIR/docrag.sqlite: auto = with the embedded store stats; on = also with Qdrant (mount the bot's DATA_DIR)."),

  // ---- GPU ----
  GPU_STATS: z.enum(['auto', 'on', 'off']).default('auto').describe('GPU stats from nvidia-smi: auto = when nvidia-smi is on PATH; on = always (missing binary reports collector down).'),
  NVIDIA_SMI_PATH: z.string().default('nvidia-smi').describe('nvidia-smi binary to run.'),

  // ---- cost ----
  BOT_METRICS_URL: optionalUrl.describe("The bot's /metrics URL (e.g. http://bot:9464/metrics), read for the daily cost and token summary; empty = off."),

  // ---- telemetry ----
  OTEL_SDK_DISABLED: bool(false).describe('Turn OpenTelemetry off.'),
  OTEL_SERVICE_NAME: z.string().default('docrag-metrics-exporter').describe('service.name of traces.'),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl.describe('OTLP endpoint for traces (empty = no trace export).'),
});

export type Config = z.infer<typeof configSchema>;

/** Values never logged. */
export const secretKeys = ['QDRANT_API_KEY'] as const satisfies readonly (keyof Config)[];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: readonly { variable: string; message: string }[]) {
    super(`invalid configuration: ${issues.map((i) => `${i.variable}: ${i.message}`).join('; ')}`);
  }
}

/** Parses the environment; throws ConfigError naming each bad variable. Empty strings count as unset. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') input[key] = value.trim();
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? 'config'), message: issue.message })),
    );
  }
  return parsed.data;
}
