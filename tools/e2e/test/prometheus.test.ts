/**
 * A real Prometheus (Debian package) scrapes the three apps on 127.0.0.1: the ml-api and the
 * metrics exporter as real processes, the bot's question and ingestion paths in process (the same
 * use cases, adapters, decorators and metrics apps/bot wires, without grammY). After two rounds of
 * traffic, EVERY PromQL expression of the Grafana dashboards and alert rules is run through the
 * Prometheus HTTP API: each must parse, and each dashboard query must return data.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dashboardQueries, loadAlertRules, resolveGrafanaVariables } from '../src/promql';
import { createBotSide, type BotSide } from './harness/bot-side';
import { freePort, spawnApp, waitForHttp, type Service } from './harness/processes';
import { prometheusBinary, startPrometheus, type RunningPrometheus } from './harness/prometheus';

declare module 'vitest' {
  // Provided by tools/fixtures/src/global-setup.ts (see vitest.config.ts).
  export interface ProvidedContext {
    onnxFixtures: { embedder: { dir: string }; reranker: { dir: string } };
  }
}

const binary = prometheusBinary();
const SKIP_REASON = 'prometheus binary not found: apt-get install prometheus (.ci/run does)';

/** One GPU as nvidia-smi prints it with --format=csv,noheader,nounits. */
const NVIDIA_SMI_SCRIPT = `#!/bin/sh\necho "0, NVIDIA H100 80GB HBM3, 42, 2048, 81559, 39"\n`;

const DOCS = [
  ['refunds.md', '# Refund policy\n\nRefunds are issued within 30 days of purchase when the receipt is shown.\n\n## Exceptions\n\nGift cards and sale items cannot be refunded.'],
  ['shipping.md', '# Shipping\n\nOrders ship in two business days. Express shipping costs 15 dollars and arrives next day.'],
] as const;

describe.skipIf(!binary)(binary ? 'dashboards against a real Prometheus' : `dashboards against a real Prometheus (skipped: ${SKIP_REASON})`, () => {
  let dir: string;
  let mlApi: Service | undefined;
  let exporter: Service | undefined;
  let qdrant: Server | undefined;
  let bot: BotSide | undefined;
  let prometheus: RunningPrometheus | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'e2e-prom-'));
    const fixtures = inject('onnxFixtures');

    // ml-api: the real app, with the tiny fixture models.
    const [apiPort, mlMetricsPort, exporterPort] = [await freePort(), await freePort(), await freePort()];
    mlApi = spawnApp('ml-api', 'apps/ml-api/src/main.ts', {
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      METRICS_PORT: String(mlMetricsPort),
      MODEL_DIR: path.join(dir, 'models'),
      EMBED_MODEL_DIR: fixtures.embedder.dir,
      RERANK_MODEL_DIR: fixtures.reranker.dir,
      OTEL_SDK_DISABLED: 'true',
      LOG_LEVEL: 'warn',
    });
    await waitForHttp(`http://127.0.0.1:${apiPort}/health/ready`, { timeoutMs: 60_000, describe: () => mlApi!.output() });

    // The bot side, talking to the ml-api over HTTP and serving its /metrics.
    bot = await createBotSide({ dataDir: dir, mlApiUrl: `http://127.0.0.1:${apiPort}`, serveMetrics: true });

    // A Qdrant stand-in answering the two REST calls the exporter makes.
    qdrant = createServer((req, res) => {
      const result =
        req.url === '/collections'
          ? { collections: [{ name: 'docrag_chunks' }] }
          : { status: 'green', points_count: 42, indexed_vectors_count: 40, segments_count: 2 };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result, status: 'ok' }));
    });
    await new Promise<void>((resolve) => qdrant!.listen(0, '127.0.0.1', resolve));
    const qdrantPort = (qdrant.address() as { port: number }).port;

    // The metrics exporter: the real app, reading the bot's SQLite file, the bot's /metrics, the
    // Qdrant stand-in and a scripted nvidia-smi.
    const smi = path.join(dir, 'nvidia-smi');
    writeFileSync(smi, NVIDIA_SMI_SCRIPT);
    chmodSync(smi, 0o755);
    exporter = spawnApp('metrics-exporter', 'apps/metrics-exporter/src/main.ts', {
      HOST: '127.0.0.1',
      PORT: String(exporterPort),
      DATA_DIR: dir,
      SQLITE_STATS: 'on',
      QDRANT_URL: `http://127.0.0.1:${qdrantPort}`,
      GPU_STATS: 'on',
      NVIDIA_SMI_PATH: smi,
      BOT_METRICS_URL: `${bot.server!.url}/metrics`,
      OTEL_SDK_DISABLED: 'true',
      LOG_LEVEL: 'warn',
    });
    await waitForHttp(`http://127.0.0.1:${exporterPort}/health`, { timeoutMs: 30_000, describe: () => exporter!.output() });

    prometheus = await startPrometheus({
      binary: binary!,
      targets: { bot: bot.server!.url.replace('http://', ''), 'ml-api': `127.0.0.1:${mlMetricsPort}`, 'metrics-exporter': `127.0.0.1:${exporterPort}` },
    });
    await prometheus.waitForScrapes(1);

    // Two rounds of traffic with scrapes in between, so rate() and histogram_quantile() have data.
    for (let round = 0; round < 2; round++) {
      for (const [name, text] of DOCS) await bot.ingest(`${round}-${name}`, `${text}\n\nRevision ${round}.`);
      await bot.ingest(`${round}-empty.md`, '   ');
      await bot.ask('How long do refunds take?', { userId: 1001 + round });
      await bot.ask('How much is express shipping?', { userId: 1001, telegramCode: 429 });
      await bot.ask('Can I refund a gift card?', { userId: 1001, failLlm: true });
      await bot.ask('How long do refunds take?', { userId: 1001 });
      await prometheus.waitForScrapes(2);
    }
  });

  afterAll(async () => {
    await prometheus?.stop();
    await exporter?.stop();
    await mlApi?.stop();
    await bot?.close();
    await new Promise<void>((resolve) => (qdrant ? qdrant.close(() => resolve()) : resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes all three apps', async () => {
    const up = await prometheus!.query('up');
    expect(Object.fromEntries(up.data!.result.map((r) => [r.metric['job'], r.value?.[1]]))).toEqual({ bot: '1', 'ml-api': '1', 'metrics-exporter': '1' });
  });

  it('runs every dashboard query: each parses and returns data', async () => {
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(40);
    const problems: string[] = [];
    for (const query of queries) {
      const expr = resolveGrafanaVariables(query.expr, '30s');
      const result = await prometheus!.query(expr);
      if (result.status !== 'success') problems.push(`${query.dashboard} / ${query.panel}: ${result.errorType}: ${result.error} in ${expr}`);
      else if ((result.data?.result.length ?? 0) === 0) problems.push(`${query.dashboard} / ${query.panel}: no data for ${expr}`);
    }
    expect(problems, prometheus!.output()).toEqual([]);
  });

  it('runs every alert rule expression', async () => {
    for (const rule of loadAlertRules()) {
      const result = await prometheus!.query(rule.expr);
      expect(result.status, `${rule.alert}: ${result.error}`).toBe('success');
    }
  });

  it('sees the traffic it drove', async () => {
    const value = async (expr: string) => Number((await prometheus!.query(expr)).data?.result[0]?.value?.[1]);
    expect(await value('sum(rag_questions_total{outcome="error"})')).toBe(2);
    // Two failed answers, each preceded by a failed condense call (the user has history).
    expect(await value('sum(llm_errors_total{type="rate_limited"})')).toBe(4);
    expect(await value('sum(rag_questions_total{outcome="no_sources"})')).toBe(1);
    expect(await value('sum(telegram_api_errors_total{code="429"})')).toBe(2);
    expect(await value('sum(ingestion_files_total{outcome="failed"})')).toBe(2);
    expect(await value('store_points{store="qdrant"}')).toBe(42);
    expect(await value('gpu_utilization_ratio')).toBeCloseTo(0.42);
    expect(await value('sum(llm_cost_usd_today)')).toBeGreaterThan(0);
  });
});
