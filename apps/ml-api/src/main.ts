/**
 * ml-api composition root: config -> telemetry -> logger and metrics -> HTTP servers (answering
 * `loading` at once, so liveness probes pass during a long model download) -> models -> ready ->
 * graceful stop on SIGTERM/SIGINT.
 */
import { serve } from '@hono/node-server';
import { createLogger, createMetricsRegistry, createMlApiMetrics, otelDiagLogger, redactConfig, startMetricsServer, startTelemetry } from '@docrag/observability';
import { ConfigError, loadConfig, modelDirs, secretKeys } from './config';
import { createApp, healthBody, type ServiceState } from './server';
import { loadModels, makeReady } from './startup';
import { ML_API_VERSION } from './version';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger({ service: 'ml-api', level: config.LOG_LEVEL });
  const telemetry = startTelemetry({
    serviceName: 'ml-api',
    serviceVersion: ML_API_VERSION,
    env: process.env,
    // Export failures (collector down) are logged, at most once a minute each, and never stop the API.
    diagLogger: otelDiagLogger(log),
  });
  log.info({ config: redactConfig(config, secretKeys), modelDirs: modelDirs(config) }, 'ml-api starting');

  const registry = createMetricsRegistry({ defaultLabels: { service: 'ml-api' } });
  const metrics = createMlApiMetrics(registry);
  telemetry.exportMetrics(registry);
  const state: ServiceState = { status: 'loading', notes: [] };
  const app = createApp({
    state,
    version: ML_API_VERSION,
    maxBodyBytes: config.MAX_BODY_BYTES,
    retryAfterSeconds: config.RETRY_AFTER_SECONDS,
    ...(config.ML_API_KEY ? { apiKey: config.ML_API_KEY } : {}),
    metrics,
    onError: (error, route) => log.error({ err: error, route }, 'request failed'),
  });

  const api = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST });
  api.on('error', (error: Error) => {
    // EADDRINUSE and friends: nothing to serve with, so stop with the reason.
    log.fatal({ err: error }, `API server on ${config.HOST}:${config.PORT} failed: ${error.message}`);
    process.exit(1);
  });
  const readyRoute = () => ({ status: state.status === 'ready' ? 200 : 503, body: healthBody(state, ML_API_VERSION) });
  const internal = await startMetricsServer({
    port: config.METRICS_PORT,
    host: config.HOST,
    registry,
    metricsEnabled: config.METRICS_ENABLED,
    routes: { '/health/live': () => ({ status: 200, body: { status: 'live' } }), '/health/ready': readyRoute, '/health': readyRoute },
    onError: (error, path) => log.warn({ err: error, path }, 'metrics route failed'),
  });
  if (!api.listening) await new Promise((resolve) => api.once('listening', resolve));
  const address = api.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  log.info({ port, metricsPort: internal.port }, 'listening; loading models');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: no new connections, draining batches');
    state.status = 'loading';
    metrics.ready(false);
    const closed = new Promise<void>((resolve) => api.close(() => resolve()));
    const drained = Promise.all([state.embed?.idle(), state.rerank?.idle(), closed]);
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, config.SHUTDOWN_GRACE_MS).unref())]);
    await Promise.allSettled([state.embed?.model?.release(), state.rerank?.model.release(), internal.close(), telemetry.shutdown()]);
    log.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  try {
    const models = await loadModels(config, { log: (message) => log.info(message), metrics });
    makeReady(state, config, models, metrics);
    for (const note of state.notes) log.warn(note);
    log.info(healthBody(state, ML_API_VERSION), 'ready');
  } catch (error) {
    // A broken model (sha256 mismatch, failed download) is fatal: the message names the file.
    log.fatal({ err: error }, error instanceof Error ? error.message : String(error));
    await Promise.allSettled([internal.close(), telemetry.shutdown()]);
    process.exit(1);
  }
}

void main();
