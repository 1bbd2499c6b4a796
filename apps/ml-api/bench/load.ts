/**
 * A closed-loop HTTP load generator: `clients` concurrent loops, each sending its next request as
 * soon as the previous answer arrives, over keep-alive connections (node:http, cheaper on the
 * shared CPU than fetch).
 */
import { Agent, request } from 'node:http';

export interface LoadResult {
  readonly clients: number;
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly throughput: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** CPU milliseconds the measured process spent per answered request (all its threads). */
  cpuMsPerRequest?: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

function post(agent: Agent, url: URL, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Runs `clients` loops for `durationMs` (after `warmupMs` not counted) against `url`;
 * `bodyFor(i)` gives the i-th request body.
 */
export async function runLoad(options: {
  url: string;
  clients: number;
  durationMs: number;
  warmupMs?: number;
  bodyFor: (i: number) => string;
}): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.clients });
  const url = new URL(options.url);
  const latencies: number[] = [];
  let errors = 0;
  let counter = 0;
  const warmupEnd = performance.now() + (options.warmupMs ?? 0);
  const end = warmupEnd + options.durationMs;
  let measuredStart = Number.NaN;
  let lastDone = 0;
  const loop = async () => {
    while (performance.now() < end) {
      const started = performance.now();
      const status = await post(agent, url, options.bodyFor(counter++)).catch(() => 0);
      const done = performance.now();
      if (started >= warmupEnd) {
        if (Number.isNaN(measuredStart) || started < measuredStart) measuredStart = started;
        if (status === 200) latencies.push(done - started);
        else errors += 1;
        lastDone = Math.max(lastDone, done);
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, loop));
  agent.destroy();
  const seconds = (lastDone - measuredStart) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    clients: options.clients,
    requests: latencies.length,
    errors,
    seconds,
    throughput: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
  };
}

/** `clients` concurrent in-process callers of `call` for `durationMs`. */
export async function inProcessLoad(clients: number, durationMs: number, call: (i: number) => Promise<unknown>): Promise<LoadResult> {
  const latencies: number[] = [];
  let counter = 0;
  const start = performance.now();
  const end = start + durationMs;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await call(counter++);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const taken = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { clients, requests: latencies.length, errors: 0, seconds: taken, throughput: latencies.length / taken, p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95) };
}
