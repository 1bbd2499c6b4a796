import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, metricsOf } from '@docrag/observability';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { createExporter, type Exporter } from './exporter';

let exporter: Exporter | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await exporter?.stop();
  exporter = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function silentLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ service: 'exporter-test', destination: { write: (m: string) => void lines.push(JSON.parse(m) as Record<string, unknown>) } });
  return { logger, lines };
}

describe('metrics exporter', () => {
  it('serves /metrics and /health while every collector is failing, and only logs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'exporter-'));
    dirs.push(dir);
    const { logger, lines } = silentLogger();
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dir,
      QDRANT_URL: 'http://127.0.0.1:9',
      GPU_STATS: 'on',
      INGESTION_BACKLOG: 'on',
      BOT_METRICS_URL: 'http://127.0.0.1:9/metrics',
      COLLECTOR_TIMEOUT_MS: '2000',
    });
    exporter = await createExporter({
      config,
      logger,
      runNvidiaSmi: async () => {
        throw Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' });
      },
    });
    const server = await exporter.start();
    expect(exporter.collectors.map((c) => c.name).sort()).toEqual(['backlog', 'cost', 'gpu', 'qdrant']);
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    for (const name of ['qdrant', 'backlog', 'gpu', 'cost']) expect(text).toContain(`exporter_collector_up{collector="${name}"} 0`);
    expect(text).toContain('process_resident_memory_bytes');
    expect(await (await fetch(`${server.url}/health`)).json()).toMatchObject({ status: 'ok' });
    expect(lines.filter((l) => l['msg'] === 'collector failed').map((l) => l['collector']).sort()).toEqual(['backlog', 'cost', 'gpu', 'qdrant']);
  });

  it('leaves the GPU collector out when nvidia-smi is absent (auto), and uses SQLite stats without Qdrant', async () => {
    const { logger } = silentLogger();
    exporter = await createExporter({
      config: loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: '/nonexistent' }),
      logger,
      runNvidiaSmi: async () => {
        throw new Error('ENOENT');
      },
    });
    expect(exporter.collectors.map((c) => c.name)).toEqual(['sqlite', 'backlog']);
  });

  it('registers every metrics-exporter metric from metric-names when all collectors are on', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'exporter-'));
    dirs.push(dir);
    exporter = await createExporter({
      config: loadConfig({ QDRANT_URL: 'http://127.0.0.1:9', SQLITE_STATS: 'on', GPU_STATS: 'on', BOT_METRICS_URL: 'http://127.0.0.1:9/metrics', DATA_DIR: dir }),
      logger: silentLogger().logger,
      runNvidiaSmi: async () => '',
    });
    const registered = new Set((await exporter.registry.getMetricsAsJSON()).map((m) => m.name));
    expect(metricsOf('metrics-exporter').map((m) => m.name).filter((name) => !registered.has(name))).toEqual([]);
  });

  it('leaves the backlog out with Qdrant unless asked (the bot file is usually not mounted there)', async () => {
    exporter = await createExporter({
      config: loadConfig({ QDRANT_URL: 'http://127.0.0.1:9', GPU_STATS: 'off' }),
      logger: silentLogger().logger,
    });
    expect(exporter.collectors.map((c) => c.name)).toEqual(['qdrant']);
  });

  it('turns /metrics off with METRICS_ENABLED=false', async () => {
    const { logger } = silentLogger();
    exporter = await createExporter({ config: loadConfig({ PORT: '0', HOST: '127.0.0.1', METRICS_ENABLED: 'false', GPU_STATS: 'off' }), logger });
    const server = await exporter.start();
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
