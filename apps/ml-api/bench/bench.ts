/**
 * ml-api benchmark (`nx run ml-api:bench`): throughput and p50/p95 latency of POST /embed for 1, 8,
 * 32 and 128 concurrent clients with dynamic batching against one-request-at-a-time, in-process
 * @huggingface/transformers feature-extraction on the same ONNX file, and the batched server's
 * peak RSS over repeated load rounds. Prints a Markdown report and writes
 * reports/bench/ml-api-<fixture>.json.
 *
 * The machine this runs on is shared, so measurements are interleaved: each point alternates the
 * modes it compares, BENCH_ROUNDS times, and reports the median, so a burst of outside load hits
 * both modes instead of one.
 *
 * The servers start with the default MODEL_WARMUP, which runs the model at the largest batch the
 * batcher allows, so onnxruntime's arena is at its peak before any load: the RSS after start-up is
 * reported with the model's load time (warm-up included). Before the measured rounds, one warm-up
 * round drives the batched server through the same load (every concurrency and the ingestion
 * load): its peak RSS is reported on its own, because the first round still pays one-time growth
 * (JIT code, V8's young generation growing to its full size) that is not drift.
 *
 * Environment: BENCH_FIXTURE=minilm|bench|tiny (default minilm: all-MiniLM-L6-v2's architecture,
 * the model production serves; bench: BERT-Tiny shapes; tiny: the test fixture), BENCH_SECONDS
 * (per measurement, default 3; ingestion at least 10), BENCH_ROUNDS (default 3),
 * BENCH_EMBED_MAX_WAIT_MS (the batched server's EMBED_MAX_WAIT_MS, default the server default of
 * 10). Other ml-api variables in the environment (ORT_MEM_PATTERN, ...) reach both servers and the
 * in-process engine.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadEmbeddingModel } from '@docrag/onnx';
import { createBm25SparseEncoder } from '@docrag/sparse';
import { loadConfig } from '../src/config';
import { EmbedService } from '../src/inference/embed-service';
import { batchSettings, modelLoadOptions } from '../src/startup';
import { inProcessLoad, runLoad, type LoadResult } from './load';
import { cpuSecondsOf, startMlApi, type MlApiProcess } from './server-process';
import { loadTransformersJs } from './transformers-js';

const root = path.resolve(import.meta.dirname, '../../..');
const fixtureSet = process.env['BENCH_FIXTURE'] ?? 'minilm';
const seconds = Number(process.env['BENCH_SECONDS'] ?? 3);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const concurrencies = [1, 8, 32, 128];

const manifestPath = path.join(root, 'tools/fixtures/generated/all.json');
if (!existsSync(manifestPath)) throw new Error(`${manifestPath} is missing: run \`npx tsx tools/fixtures/src/cli.ts all\` first`);
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, string>;
const embedDir = manifest[`${fixtureSet}-embedder`];
if (!embedDir) throw new Error(`BENCH_FIXTURE=${fixtureSet} is not in ${manifestPath}`);

/** Real questions (SciFact claims) and passages read at run time from ../shared, else synthetic text. */
function loadTexts(): { queries: string[]; passages: string[]; source: string } {
  const dir = path.join(process.env['DOCRAG_SHARED_DIR'] ?? path.resolve(root, '../shared'), 'eval/scifact');
  try {
    const queries = readFileSync(path.join(dir, 'queries.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { text: string }).text);
    const corpus = gunzipSync(readFileSync(path.join(dir, 'corpus.jsonl.gz'))).toString('utf8').split('\n', 400);
    const passages = corpus.filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text);
    return { queries, passages, source: 'SciFact claims and abstracts (../shared/eval/scifact)' };
  } catch {
    const words = 'retrieval dense sparse vector document question answer chunk parent citation model batch token'.split(' ');
    const sentence = (i: number, n: number) => Array.from({ length: n }, (_, k) => words[(i * 7 + k * 3) % words.length]).join(' ');
    return {
      queries: Array.from({ length: 300 }, (_, i) => sentence(i, 6 + (i % 15))),
      passages: Array.from({ length: 300 }, (_, i) => sentence(i, 120 + (i % 80))),
      source: 'synthetic text (../shared/eval/scifact not found)',
    };
  }
}

const { queries, passages, source } = loadTexts();
const embedBody = (i: number) => JSON.stringify({ text: queries[i % queries.length], is_query: true });
const openAiBody = (i: number) => JSON.stringify({ input: queries[i % queries.length] });
const ingestBody = (i: number) => JSON.stringify({ texts: Array.from({ length: 32 }, (_, k) => passages[(i * 32 + k) % passages.length]) });

const median = (values: readonly number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

/** Median of repeated measurements (throughput, p50, p95 each by median). */
function summarise(results: readonly LoadResult[]): LoadResult {
  return {
    clients: results[0]?.clients ?? 0,
    requests: results.reduce((a, r) => a + r.requests, 0),
    errors: results.reduce((a, r) => a + r.errors, 0),
    seconds: results.reduce((a, r) => a + r.seconds, 0),
    throughput: median(results.map((r) => r.throughput)),
    p50Ms: median(results.map((r) => r.p50Ms)),
    p95Ms: median(results.map((r) => r.p95Ms)),
    cpuMsPerRequest: median(results.map((r) => r.cpuMsPerRequest ?? Number.NaN)),
  };
}

/** Runs `work` and records the CPU time `cpuSeconds` grew by, per answered request. */
async function withCpu(cpuSeconds: () => number, work: () => Promise<LoadResult>): Promise<LoadResult> {
  const before = cpuSeconds();
  const result = await work();
  return { ...result, cpuMsPerRequest: ((cpuSeconds() - before) * 1000) / Math.max(1, result.requests) };
}

/** Samples a server's RSS every 50 ms while `work` runs; returns the peak. */
async function peakRss<T>(server: MlApiProcess, work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = server.rss();
  const timer = setInterval(() => (peak = Math.max(peak, server.rss())), 50);
  try {
    const result = await work();
    return { result, peak: Math.max(peak, server.rss()) };
  } finally {
    clearInterval(timer);
  }
}

const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const row = (label: string, r: LoadResult) =>
  `| ${label} | ${r.clients} | ${r.throughput.toFixed(1)} | ${r.p50Ms.toFixed(1)} | ${r.p95Ms.toFixed(1)} | ${(r.cpuMsPerRequest ?? Number.NaN).toFixed(2)} | ${r.requests} | ${r.errors} |`;

async function main(): Promise<void> {
  const load0 = os.loadavg();
  console.log(`# ml-api benchmark\n`);
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${mb(os.totalmem())} RAM, Node ${process.version}; load average at start ${load0.map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`model: ${path.basename(embedDir ?? '')} (fixture set "${fixtureSet}"); texts: ${source}; ${rounds} interleaved rounds of ${seconds} s per point, medians\n`);

  const common = { EMBED_MODEL_DIR: embedDir ?? '', RERANK_MODEL_DIR: '/nonexistent', ML_DEVICE: 'cpu' };
  const waitMs = process.env['BENCH_EMBED_MAX_WAIT_MS'];
  const batchedServer = await startMlApi(root, { ...common, ...(waitMs === undefined ? {} : { EMBED_MAX_WAIT_MS: waitMs }) });
  console.log(`batched server: EMBED_MAX_BATCH_SIZE 32, EMBED_MAX_WAIT_MS ${waitMs ?? '10 (default)'}\n`);
  const singleServer = await startMlApi(root, { ...common, EMBED_MAX_BATCH_SIZE: '1', EMBED_MAX_WAIT_MS: '0' });
  // After start-up, warm-up included, before any request.
  const startRss = batchedServer.rss();
  const health = (await (await fetch(`${batchedServer.url}/health/ready`)).json()) as { models: { embed: { load_seconds: number } | null } };
  const loadSeconds = health.models.embed?.load_seconds ?? Number.NaN;
  const tjs = await loadTransformersJs(embedDir ?? '', queries);
  // The ml-api's inference path without HTTP (tokenise + micro-batcher + ONNX + pooling), dense only
  // like transformers.js feature-extraction, loaded and batching exactly like the batched server.
  const config = loadConfig({ ...process.env, ...common, ...(waitMs === undefined ? {} : { EMBED_MAX_WAIT_MS: waitMs }) });
  const engineModel = await loadEmbeddingModel({ name: 'engine', dir: embedDir ?? '' }, { ...modelLoadOptions(config, 'embed', { log: () => undefined }), pooling: config.EMBED_POOLING });
  const settings = batchSettings(config, 'embed');
  const engineBatched = new EmbedService(engineModel, createBm25SparseEncoder(), settings);
  const engineSingle = new EmbedService(engineModel, createBm25SparseEncoder(), { ...settings, maxBatchSize: 1, maxWaitMs: 0 });
  // onnxruntime thread spinning, on (its default) vs off (ours): CPU per single-text run with a
  // 1 ms pause between runs, as between requests of a lightly loaded server.
  const spin: Record<string, number> = {};
  for (const allowSpinning of [true, false]) {
    const model = await loadEmbeddingModel({ name: 'spin', dir: embedDir ?? '' }, { device: 'cpu', intraOpThreads: 0, interOpThreads: 0, graphOptimizationLevel: 'all', maxLength: 256, pooling: 'mean', allowSpinning });
    const encoded = model.tokenize(queries[0] ?? 'warm up');
    for (let i = 0; i < 20; i++) await model.embedBatch([encoded]);
    const before = cpuSecondsOf('self');
    for (let i = 0; i < 200; i++) {
      await model.embedBatch([encoded]);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    spin[allowSpinning ? 'on' : 'off'] = ((cpuSecondsOf('self') - before) * 1000) / 200;
    await model.release();
  }
  const engineCall = (service: EmbedService) => (i: number) => service.embed([queries[i % queries.length] ?? ''], { isQuery: true, sparse: false });

  const batched = new Map<number, LoadResult[]>();
  const single = new Map<number, LoadResult[]>();
  const openAi: LoadResult[] = [];
  const inProcess: LoadResult[] = [];
  const engineB: LoadResult[] = [];
  const engineS: LoadResult[] = [];
  const ingest: LoadResult[] = [];
  const peaks: number[] = [];
  // CPU time is counted for the server process only (the load generator is not the product), and
  // includes the warm-up requests, so it slightly overstates the cost per measured request.
  const point = (server: MlApiProcess, route: string, clients: number, bodyFor: (i: number) => string) =>
    withCpu(server.cpuSeconds, () => runLoad({ url: `${server.url}${route}`, clients, durationMs: seconds * 1000, warmupMs: 300, bodyFor }));
  const self = () => cpuSecondsOf('self');
  // Ingestion requests (32 abstracts) take seconds each on a MiniLM-sized model, so this point
  // runs longer and counts from the first request (no uncounted warm-up), or it would see none.
  const ingestPoint = () =>
    withCpu(batchedServer.cpuSeconds, () => runLoad({ url: `${batchedServer.url}/embed`, clients: 8, durationMs: Math.max(seconds, 10) * 1000, bodyFor: ingestBody }));

  const { peak: warmupPeak } = await peakRss(batchedServer, async () => {
    for (const clients of concurrencies) await point(batchedServer, '/embed', clients, embedBody);
    await ingestPoint();
  });
  console.error(`warm-up round done: batched server peak RSS ${mb(warmupPeak)}`);

  for (let round = 0; round < rounds; round++) {
    // The batched server's peak RSS is sampled over each whole round (every concurrency + ingestion).
    const { peak } = await peakRss(batchedServer, async () => {
      for (const clients of concurrencies) {
        batched.set(clients, [...(batched.get(clients) ?? []), await point(batchedServer, '/embed', clients, embedBody)]);
        single.set(clients, [...(single.get(clients) ?? []), await point(singleServer, '/embed', clients, embedBody)]);
      }
      openAi.push(await point(batchedServer, '/v1/embeddings', 32, openAiBody));
      inProcess.push(await withCpu(self, () => tjs.run(32, seconds * 1000)));
      engineB.push(await withCpu(self, () => inProcessLoad(32, seconds * 1000, engineCall(engineBatched))));
      engineS.push(await withCpu(self, () => inProcessLoad(32, seconds * 1000, engineCall(engineSingle))));
      ingest.push(await ingestPoint());
    });
    peaks.push(peak);
    console.error(`round ${round + 1}/${rounds} done: batched server peak RSS ${mb(peak)}, load average ${os.loadavg()[0]?.toFixed(2)}`);
  }
  await Promise.all([batchedServer.stop(), singleServer.stop()]);
  await tjs.dispose();
  await engineModel.release();

  const b = concurrencies.map((c) => summarise(batched.get(c) ?? []));
  const s = concurrencies.map((c) => summarise(single.get(c) ?? []));
  const o = summarise(openAi);
  const t = summarise(inProcess);
  console.log('| mode | clients | req/s | p50 ms | p95 ms | CPU ms/req | requests | errors |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of b) console.log(row(`POST /embed, batched (32 / ${waitMs ?? 10} ms)`, r));
  for (const r of s) console.log(row('POST /embed, one at a time', r));
  console.log(row('POST /v1/embeddings, batched (dense only)', o));
  console.log(row('transformers.js in-process (dense only)', t));
  const eb = summarise(engineB);
  const es = summarise(engineS);
  console.log(row('ml-api inference path in-process, batched (dense only)', eb));
  console.log(row('ml-api inference path in-process, one at a time (dense only)', es));
  console.log(`\ntransformers.js vs ml-api vectors (same ONNX file): max |difference| ${tjs.maxAbsDiff.toExponential(2)}`);
  console.log(`onnxruntime thread spinning: ${spin['on']?.toFixed(2)} ms CPU per single-text run when on, ${spin['off']?.toFixed(2)} ms when off (ORT_ALLOW_SPINNING=false, the default)`);
  console.log(`ingestion (8 clients x 32 SciFact abstracts per request): ${(summarise(ingest).throughput * 32).toFixed(0)} texts/s`);
  console.log(`batched server RSS: ${mb(startRss)} after start-up (model load and warm-up ${loadSeconds.toFixed(2)} s, MODEL_WARMUP=${config.MODEL_WARMUP}), ${mb(warmupPeak)} peak in the warm-up round; peak per measured round ${peaks.map(mb).join(', ')}`);

  const at32 = (list: LoadResult[]) => list.find((r) => r.clients === 32)?.throughput ?? Number.NaN;
  const speedup = at32(b) / at32(s);
  const vsTjs = o.throughput / t.throughput;
  const engineVsTjs = eb.throughput / t.throughput;
  const drift = (Math.max(...peaks) - Math.min(...peaks)) / Math.min(...peaks);
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const cpuAt32 = (list: LoadResult[]) => list.find((r) => r.clients === 32)?.cpuMsPerRequest ?? Number.NaN;
  console.log(`\nbatched / one-at-a-time at 32 clients: ${speedup.toFixed(2)}x (goal >= 4x) ${verdict(speedup >= 4)}`);
  console.log(`  server CPU per request at 32 clients: ${cpuAt32(b).toFixed(2)} ms batched vs ${cpuAt32(s).toFixed(2)} ms one at a time (${(cpuAt32(s) / cpuAt32(b)).toFixed(2)}x less CPU per request; a load-independent view of the same comparison)`);
  console.log(`ml-api (/v1/embeddings, 32 clients) / transformers.js (32 concurrent calls): ${vsTjs.toFixed(2)}x (goal >= 1.5x) ${verdict(vsTjs >= 1.5)}`);
  console.log(`  CPU per request: ml-api server ${(o.cpuMsPerRequest ?? Number.NaN).toFixed(2)} ms vs transformers.js ${(t.cpuMsPerRequest ?? Number.NaN).toFixed(2)} ms (${((t.cpuMsPerRequest ?? Number.NaN) / (o.cpuMsPerRequest ?? Number.NaN)).toFixed(2)}x)`);
  console.log(`in-process: ml-api inference path batched / transformers.js: ${engineVsTjs.toFixed(2)}x; batched / one at a time: ${(eb.throughput / es.throughput).toFixed(2)}x`);
  console.log(`peak RSS spread over ${rounds} rounds: ${(drift * 100).toFixed(1)}% (goal <= 10%) ${verdict(drift <= 0.1)}`);
  const load1 = os.loadavg();
  console.log(`load average at end ${load1.map((l) => l.toFixed(2)).join(' ')} (other work on the machine competes for the same cores)`);

  const out = path.join(root, 'reports/bench');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    path.join(out, `ml-api-${fixtureSet}${waitMs === undefined ? '' : `-wait${waitMs}`}.json`),
    JSON.stringify({ machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadStart: load0, loadEnd: load1 }, fixture: embedDir, batched: Object.fromEntries(batched), single: Object.fromEntries(single), openAi, inProcess, engineBatched: engineB, engineSingle: engineS, ingest, spin, startRss, loadSeconds, warmupPeak, peaks, speedup, vsTjs, engineVsTjs, drift }, null, 2),
  );
}

await main();
