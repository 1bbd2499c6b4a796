import type { Logger } from '@docrag/observability';
import { EXPORTER_COLLECTOR_DURATION, EXPORTER_COLLECTOR_UP, gaugeFrom } from '@docrag/observability';
import type { Registry } from 'prom-client';

/**
 * One source of metrics the apps cannot see themselves. `collect` refreshes its gauges; it throws
 * when the source is unreachable, and the runner turns that into `exporter_collector_up=0`.
 */
export interface Collector {
  /** Low-cardinality name, the `collector` label (`qdrant`, `sqlite`, `gpu`, `backlog`, `cost`). */
  readonly name: string;
  collect(signal: AbortSignal): Promise<void>;
}

export interface CollectorRunner {
  /** Runs every collector concurrently, each under the timeout. Never throws. */
  collectAll(): Promise<void>;
}

/**
 * Runs collectors at scrape time (the Prometheus exporter guideline: collect on scrape, so
 * timestamps and staleness are Prometheus's), each with a timeout; a failure only logs and sets
 * `exporter_collector_up{collector}` to 0.
 */
export function createCollectorRunner(options: {
  registry: Registry;
  collectors: readonly Collector[];
  timeoutMs: number;
  logger: Pick<Logger, 'warn'>;
  now?: () => number;
}): CollectorRunner {
  const up = gaugeFrom(options.registry, EXPORTER_COLLECTOR_UP);
  const duration = gaugeFrom(options.registry, EXPORTER_COLLECTOR_DURATION);
  const now = options.now ?? (() => performance.now());
  const lastError = new Map<string, string>();

  async function run(collector: Collector): Promise<void> {
    const started = now();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Reject before aborting, so a collector that resolves on abort cannot win the race.
        reject(new Error(`timed out after ${options.timeoutMs} ms`));
        controller.abort();
      }, options.timeoutMs);
    });
    try {
      await Promise.race([collector.collect(controller.signal), timeout]);
      up.set({ collector: collector.name }, 1);
      lastError.delete(collector.name);
    } catch (error) {
      up.set({ collector: collector.name }, 0);
      const message = error instanceof Error ? error.message : String(error);
      // Log a failure once per change, not on every 15-second scrape.
      if (lastError.get(collector.name) !== message) {
        lastError.set(collector.name, message);
        options.logger.warn({ collector: collector.name, err: error }, 'collector failed');
      }
    } finally {
      clearTimeout(timer);
      duration.set({ collector: collector.name }, (now() - started) / 1000);
    }
  }

  return { collectAll: async () => void (await Promise.all(options.collectors.map(run))) };
}
