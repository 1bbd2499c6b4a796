/**
 * Composition root of the Node bot: config -> telemetry -> adapters -> use cases -> transport ->
 * start -> graceful stop. (Adapters, use cases and transport are assembled in node/runtime.ts,
 * shared with the end-to-end tests.) Startup errors are printed as one clear line, never a stack.
 */
import { createLogger, otelDiagLogger, startTelemetry } from '@docrag/observability';
import { ConfigError, loadConfig, redactConfig, secretKeys } from './config';
import { startBotRuntime } from './node/runtime';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`docrag bot: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  const logger = createLogger({ service: 'bot', level: config.LOG_LEVEL, redact: secretKeys.map((k) => `config.${k}`) });
  const telemetry = startTelemetry({
    // Export failures (collector down) are logged, at most once a minute each, and never stop the bot.
    diagLogger: otelDiagLogger(logger),
    serviceName: config.OTEL_SERVICE_NAME,
    serviceVersion: process.env['npm_package_version'] ?? '0.1.0',
    env: process.env,
    // Calls to these already get our own CLIENT spans (telegram <method>, embeddings, rerank,
    // retrieval), and the ml-api client sends traceparent itself: a generic HTTP span under each
    // would double the tracing cost of a question (docs/performance.md, observability).
    untracedUrls: [config.TELEGRAM_API_ROOT, config.ML_API_URL, config.QDRANT_URL],
  });
  logger.info({ config: redactConfig(config) }, 'configuration loaded');
  if (config.ALLOW_ALL_USERS) logger.warn({}, 'ALLOW_ALL_USERS=true: every Telegram user can use this bot and spend its LLM budget');

  const runtime = await startBotRuntime(config, { logger });
  telemetry.exportMetrics(runtime.registry);
  logger.info({ internal_port: runtime.internalPort, webhook_port: runtime.webhookPort }, 'bot running');

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // A second signal means "now": the orchestrator's patience has run out.
    if (++signals > 1) process.exit(1);
    void runtime
      .stop(signal)
      .then(() => telemetry.shutdown(2000))
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: String(error) }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((error: unknown) => {
  process.stderr.write(`docrag bot: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
