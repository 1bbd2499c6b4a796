import path from 'node:path';
import type { Logger, MetricsServer } from '@docrag/observability';
import { createMetricsRegistry, startMetricsServer } from '@docrag/observability';
import type { Registry } from 'prom-client';
import type { Config } from './config';
import { createCollectorRunner, type Collector, type CollectorRunner } from './collectors/collector';
import { createCostCollector } from './collectors/cost-collector';
import { createGpuCollector, nvidiaSmiAvailable, nvidiaSmiRunner, type RunNvidiaSmi } from './collectors/gpu-collector';
import { createQdrantCollector } from './collectors/qdrant-collector';
import { createBacklogCollector, createSqliteStoreCollector } from './collectors/sqlite-collector';
import { createSqliteStatsSource, type SqliteStatsSource } from './collectors/sqlite-source';

export interface ExporterDeps {
  readonly config: Config;
  readonly logger: Logger;
  /** Overrides for tests. */
  readonly fetch?: typeof fetch;
  readonly runNvidiaSmi?: RunNvidiaSmi;
}

export interface Exporter {
  readonly registry: Registry;
  readonly runner: CollectorRunner;
  readonly collectors: readonly Collector[];
  start(): Promise<MetricsServer>;
  stop(): Promise<void>;
}

/** The embedded store file the bot writes (`DATA_DIR/docrag.sqlite`). */
export function sqlitePath(config: Pick<Config, 'DATA_DIR'>): string {
  return path.join(config.DATA_DIR, 'docrag.sqlite');
}

/** Picks the collectors the config asks for and wires them to one registry and server. */
export async function createExporter(deps: ExporterDeps): Promise<Exporter> {
  const { config, logger } = deps;
  const registry = createMetricsRegistry({ defaultMetrics: true });
  const collectors: Collector[] = [];
  const fetchImpl = deps.fetch ?? fetch;

  if (config.QDRANT_URL) {
    collectors.push(
      createQdrantCollector(registry, {
        url: config.QDRANT_URL,
        apiKey: config.QDRANT_API_KEY,
        collections: config.QDRANT_COLLECTIONS,
        fetch: fetchImpl,
      }),
    );
  }
  const source: SqliteStatsSource = createSqliteStatsSource(sqlitePath(config));
  const sqliteStats = config.SQLITE_STATS === 'on' || (config.SQLITE_STATS === 'auto' && !config.QDRANT_URL);
  if (sqliteStats) collectors.push(createSqliteStoreCollector(registry, source));
  // The job table lives in the SQLite file even when vectors are in Qdrant, but then the exporter
  // usually has no access to the bot's DATA_DIR: reading it is opt-in there, so a missing file does not
  // hold exporter_collector_up at 0 (and page someone) forever.
  if (config.INGESTION_BACKLOG === 'on' || (config.INGESTION_BACKLOG === 'auto' && sqliteStats)) {
    collectors.push(createBacklogCollector(registry, source));
  }

  if (config.GPU_STATS !== 'off') {
    const run = deps.runNvidiaSmi ?? nvidiaSmiRunner(config.NVIDIA_SMI_PATH);
    if (config.GPU_STATS === 'on' || (await nvidiaSmiAvailable(run))) collectors.push(createGpuCollector(registry, run));
    else logger.info({ binary: config.NVIDIA_SMI_PATH }, 'nvidia-smi not available: GPU collector off (GPU_STATS=auto)');
  }
  if (config.BOT_METRICS_URL) collectors.push(createCostCollector(registry, { botMetricsUrl: config.BOT_METRICS_URL, fetch: fetchImpl }));

  const runner = createCollectorRunner({ registry, collectors, timeoutMs: config.COLLECTOR_TIMEOUT_MS, logger });
  let server: MetricsServer | undefined;

  return {
    registry,
    runner,
    collectors,
    async start() {
      server = await startMetricsServer({
        port: config.PORT,
        host: config.HOST,
        registry,
        metricsEnabled: config.METRICS_ENABLED,
        beforeScrape: () => runner.collectAll(),
        routes: {
          '/health': () => ({ status: 200, body: { status: 'ok', collectors: collectors.map((c) => c.name) } }),
          '/health/live': () => ({ status: 200, body: { status: 'ok' } }),
        },
        onError: (error, route) => logger.error({ err: error, route }, 'request failed'),
      });
      return server;
    },
    async stop() {
      await server?.close();
      source.close();
    },
  };
}
