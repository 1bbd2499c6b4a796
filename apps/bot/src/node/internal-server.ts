/**
 * The internal server on METRICS_PORT: `/metrics` (unless METRICS_ENABLED=false), `/health/live`
 * (the process is up) and `/health/ready` (Telegram identity known, store answering, not
 * shutting down). Built on the observability lib's server. In webhook mode the two health routes
 * are also answered on the webhook port, for platforms that probe only the public port (Render,
 * Cloud Run); /metrics never is.
 */
import { startMetricsServer, type MetricsServer } from '@docrag/observability';
import type { Registry } from 'prom-client';
import type { BotLogger } from '../deps';

export interface ReadinessProbe {
  /** Name -> check; all must pass for 200. */
  readonly checks: Readonly<Record<string, () => Promise<boolean> | boolean>>;
}

/** Runs every readiness check (a throwing check counts as failed): 200 `ready` or 503 `not_ready`. */
export async function checkReadiness(probe: ReadinessProbe): Promise<{ status: 200 | 503; body: { status: string; checks: Record<string, boolean> } }> {
  const results: Record<string, boolean> = {};
  for (const [name, check] of Object.entries(probe.checks)) {
    try {
      results[name] = await check();
    } catch {
      results[name] = false;
    }
  }
  const ready = Object.values(results).every(Boolean);
  return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not_ready', checks: results } };
}

export async function startInternalServer(options: {
  port: number;
  host: string;
  registry: Registry;
  metricsEnabled: boolean;
  readiness: ReadinessProbe;
  logger: BotLogger;
}): Promise<MetricsServer> {
  return startMetricsServer({
    port: options.port,
    host: options.host,
    registry: options.registry,
    metricsEnabled: options.metricsEnabled,
    onError: (error, path) => options.logger.warn({ err: String(error), path }, 'internal server route failed'),
    routes: {
      '/health/live': () => ({ status: 200, body: { status: 'ok' } }),
      '/health/ready': () => checkReadiness(options.readiness),
    },
  });
}
