/**
 * Composition root of the metrics exporter: config -> telemetry -> logger -> collectors -> server
 * -> graceful stop.
 */
import { createLogger, otelDiagLogger, redactConfig, startTelemetry } from '@docrag/observability';
import { ConfigError, loadConfig, secretKeys } from './config';
import { createExporter } from './exporter';

const VERSION = process.env['npm_package_version'] ?? '0.1.0';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const issue of error.issues) process.stderr.write(`config error: ${issue.variable}: ${issue.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger({ service: config.OTEL_SERVICE_NAME, level: config.LOG_LEVEL });
  const telemetry = startTelemetry({
    serviceName: config.OTEL_SERVICE_NAME,
    serviceVersion: VERSION,
    env: process.env,
    diagLogger: otelDiagLogger(logger),
  });
  logger.info({ config: redactConfig(config, secretKeys) }, 'starting metrics exporter');

  const exporter = await createExporter({ config, logger });
  // Pushed over OTLP too when OTEL_METRICS_EXPORTER=otlp: the collectors run before each push as before each scrape.
  telemetry.exportMetrics(exporter.registry, { beforeCollect: () => exporter.runner.collectAll() });
  const server = await exporter.start();
  logger.info({ url: server.url, collectors: exporter.collectors.map((c) => c.name) }, 'metrics exporter listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await exporter.stop();
    await telemetry.shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`metrics exporter failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
