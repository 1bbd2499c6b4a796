import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, spawnService, waitForHttp, type Service } from './processes';

export function prometheusBinary(): string | undefined {
  const result = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

export interface QueryResult {
  readonly status: 'success' | 'error';
  readonly errorType?: string;
  readonly error?: string;
  readonly data?: { resultType: string; result: { metric: Record<string, string>; value?: [number, string] }[] };
}

export interface RunningPrometheus {
  readonly url: string;
  query(expr: string): Promise<QueryResult>;
  /** Resolves once every target has been scraped successfully at least `scrapes` times after now. */
  waitForScrapes(scrapes?: number): Promise<void>;
  stop(): Promise<void>;
  output(): string;
}

/**
 * A real Prometheus (the Debian binary) on 127.0.0.1, storing in a temp dir, scraping the given
 * targets every `scrapeIntervalSeconds`.
 */
export async function startPrometheus(options: {
  binary: string;
  targets: Readonly<Record<string, string>>;
  scrapeIntervalSeconds?: number;
}): Promise<RunningPrometheus> {
  const dir = mkdtempSync(path.join(tmpdir(), 'e2e-prometheus-'));
  const interval = options.scrapeIntervalSeconds ?? 1;
  const config = [
    'global:',
    `  scrape_interval: ${interval}s`,
    `  evaluation_interval: ${interval}s`,
    'scrape_configs:',
    ...Object.entries(options.targets).flatMap(([job, target]) => [
      `  - job_name: ${job}`,
      `    scrape_timeout: ${interval}s`,
      '    static_configs:',
      `      - targets: ["${target}"]`,
    ]),
  ].join('\n');
  writeFileSync(path.join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const service: Service = spawnService('prometheus', options.binary, [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ], {});
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/-/ready`, { timeoutMs: 30_000, describe: service.output });

  async function query(expr: string): Promise<QueryResult> {
    const response = await fetch(`${url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: expr }) });
    return (await response.json()) as QueryResult;
  }

  return {
    url,
    query,
    output: service.output,
    async waitForScrapes(scrapes = 2) {
      const jobs = Object.keys(options.targets);
      const start = Date.now() / 1000;
      const deadline = Date.now() + 30_000 + scrapes * interval * 1000;
      while (Date.now() < deadline) {
        const result = await query(`count_over_time(up[1h])`);
        const fresh = await query(`timestamp(up)`);
        const counted = new Map((result.data?.result ?? []).map((r) => [r.metric['job'], Number(r.value?.[1])]));
        const latest = new Map((fresh.data?.result ?? []).map((r) => [r.metric['job'], Number(r.value?.[1])]));
        const up = await query('up');
        const healthy = new Map((up.data?.result ?? []).map((r) => [r.metric['job'], r.value?.[1] === '1']));
        if (jobs.every((job) => healthy.get(job) && (counted.get(job) ?? 0) >= 1 && (latest.get(job) ?? 0) >= start + (scrapes - 1) * interval)) return;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new Error(`Prometheus did not scrape ${jobs.join(', ')} in time:\n${JSON.stringify((await query('up')).data?.result)}\n${service.output()}`);
    },
    async stop() {
      await service.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
