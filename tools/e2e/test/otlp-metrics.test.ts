/**
 * The optional OTLP push of metrics, through the real apps: the ml-api and the metrics exporter
 * started with `OTEL_METRICS_EXPORTER=otlp` push the same prom-client metrics Prometheus scrapes to
 * an OTLP/HTTP endpoint (a sink on 127.0.0.1 here), under their own service names.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnApp, waitForHttp, type Service } from './harness/processes';

describe('OTLP metrics push (OTEL_METRICS_EXPORTER=otlp)', () => {
  let dir = '';
  let sink: Server | undefined;
  const pushes: Buffer[] = [];
  const apps: Service[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'e2e-otlp-metrics-'));
    sink = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.url === '/v1/metrics') pushes.push(Buffer.concat(chunks));
        response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => sink!.listen(0, '127.0.0.1', resolve));
    const otlp = {
      OTEL_SDK_DISABLED: 'false',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(sink.address() as { port: number }).port}`,
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_METRIC_EXPORT_INTERVAL: '300',
      LOG_LEVEL: 'warn',
    };
    const [apiPort, mlMetricsPort, exporterPort] = [await freePort(), await freePort(), await freePort()];
    // The ml-api without model files (sparse vectors only) starts in about a second.
    const mlApi = spawnApp('ml-api', 'apps/ml-api/src/main.ts', {
      ...otlp,
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      METRICS_PORT: String(mlMetricsPort),
      MODEL_DIR: path.join(dir, 'models'),
    });
    apps.push(mlApi);
    const exporter = spawnApp('metrics-exporter', 'apps/metrics-exporter/src/main.ts', {
      ...otlp,
      OTEL_SERVICE_NAME: 'docrag-metrics-exporter',
      HOST: '127.0.0.1',
      PORT: String(exporterPort),
      DATA_DIR: dir,
      SQLITE_STATS: 'on',
      GPU_STATS: 'off',
    });
    apps.push(exporter);
    await waitForHttp(`http://127.0.0.1:${apiPort}/health/ready`, { timeoutMs: 60_000, describe: () => mlApi.output() });
    await waitForHttp(`http://127.0.0.1:${exporterPort}/health`, { timeoutMs: 60_000, describe: () => exporter.output() });
    const response = await fetch(`http://127.0.0.1:${apiPort}/embed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ texts: ['when does support answer?'], is_query: true }),
    });
    expect(response.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await new Promise<void>((resolve) => (sink ? sink.close(() => resolve()) : resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("pushes each app's metrics with its service name: the ml-api's request histogram, the exporter's collector gauge", async () => {
    // OTLP protobuf carries names as plain strings, so the raw bodies show what was pushed.
    const pushed = () => Buffer.concat(pushes).toString('latin1');
    await expect
      .poll(() => ['ml_request_duration_seconds', 'ml-api', 'exporter_collector_up', 'docrag-metrics-exporter'].filter((name) => !pushed().includes(name)), {
        timeout: 30_000,
        interval: 200,
      })
      .toEqual([]);
    // The request that was made is in the histogram's labels.
    expect(pushed()).toContain('/embed');
  }, 60_000);
});
