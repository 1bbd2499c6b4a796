/**
 * `nx run sqlite-store:bench`: upsert rate and search latency of the embedded store at 10k and
 * 100k synthetic chunks (sparse + dense 384-d), on a file in WAL mode as the bot runs it.
 *
 * Synthetic data, shaped like real chunks: ~120 distinct terms per chunk drawn from a Zipf(1.0)
 * vocabulary of 60k terms (what a 384-token child of English text keeps after stop words, measured
 * on SciFact: 122 on average), BM25-like weights, and random unit dense vectors. Queries have 8
 * terms drawn from the same Zipf law (so common words do appear in them) and a random dense vector.
 *
 * Environment: BENCH_SIZES (default "10000,100000"), BENCH_QUERIES (default 300), BENCH_DIM (384).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import type { IndexedChunk, ParentChunk, SparseVector } from '@docrag/domain';
import { ChunkId, FileId, OwnerId, ParentId } from '@docrag/domain';
import { createSqliteStore } from '../src/create-sqlite-store';

const sizes = (process.env['BENCH_SIZES'] ?? '10000,100000').split(',').map(Number);
const queryCount = Number(process.env['BENCH_QUERIES'] ?? 300);
const dim = Number(process.env['BENCH_DIM'] ?? 384);
const VOCABULARY = 60_000;
const TERMS_PER_CHUNK = 120;
const CHUNKS_PER_FILE = 100;
const BATCH = 256;

// Deterministic PRNG (mulberry32) so runs are comparable.
let seed = 12345;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

// Zipf sampling by inverse CDF over a precomputed table.
const cdf = new Float64Array(VOCABULARY);
{
  let sum = 0;
  for (let r = 0; r < VOCABULARY; r++) cdf[r] = sum += 1 / (r + 1);
  for (let r = 0; r < VOCABULARY; r++) cdf[r]! /= sum;
}
function zipfTerm(): number {
  const u = random();
  let lo = 0;
  let hi = VOCABULARY - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  // Spread ranks over uint32 like hashed term ids.
  return Math.imul(lo + 1, 2654435761) >>> 0;
}

function sparse(terms: number, unit: boolean): SparseVector {
  const weights = new Map<number, number>();
  while (weights.size < terms) {
    const t = zipfTerm();
    weights.set(t, unit ? 1 : Math.min(2.2, (weights.get(t) ?? 0.9) + 0.3));
  }
  const indices = [...weights.keys()].sort((a, b) => a - b);
  return { indices, values: indices.map((i) => weights.get(i)!) };
}

function dense(): number[] {
  const v = Array.from({ length: dim }, () => random() * 2 - 1);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function makeBatch(owner: OwnerId, start: number, count: number): { chunks: IndexedChunk[]; parents: ParentChunk[] } {
  const chunks: IndexedChunk[] = [];
  const parents: ParentChunk[] = [];
  for (let n = start; n < start + count; n++) {
    const fileId = FileId.of(owner, `f${Math.floor(n / CHUNKS_PER_FILE)}`.padEnd(32, '0'));
    const index = n % CHUNKS_PER_FILE;
    const parentId = ParentId.of(fileId, Math.floor(index / 4));
    const text = `synthetic chunk ${n}`;
    chunks.push({
      chunk: { id: ChunkId.of(fileId, index), parentId, fileId, ownerId: owner, fileName: 'bench.pdf', index, text, tokenCount: 300, headingPath: ['Bench'] },
      embedding: { sparse: sparse(TERMS_PER_CHUNK, false), dense: dense() },
    });
    if (index % 4 === 0) {
      parents.push({ id: parentId, fileId, ownerId: owner, fileName: 'bench.pdf', index: index / 4, text, tokenCount: 1200, headingPath: ['Bench'] });
    }
  }
  return { chunks, parents };
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function benchSize(size: number): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'docrag-bench-'));
  const file = path.join(dir, 'bench.sqlite');
  const store = createSqliteStore({ path: file });
  const owner = OwnerId.user('bench');
  // A second owner with 10% as many chunks: queries must skip them, as in a shared deployment.
  const other = OwnerId.user('other');
  try {
    await store.vectorStore.ensureReady({ dimension: dim });
    let upsertMs = 0;
    let upsertCpuMs = 0;
    for (let start = 0; start < size; start += BATCH) {
      const batch = makeBatch(owner, start, Math.min(BATCH, size - start));
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await store.vectorStore.upsert(batch);
      const c = process.cpuUsage(c0);
      upsertCpuMs += (c.user + c.system) / 1000;
      upsertMs += performance.now() - t0;
    }
    for (let start = 0; start < size / 10; start += BATCH) await store.vectorStore.upsert(makeBatch(other, start, Math.min(BATCH, size / 10 - start)));
    const queries = Array.from({ length: queryCount }, () => ({ sparse: sparse(8, true), dense: dense() }));
    const time = async (run: (q: (typeof queries)[number]) => Promise<unknown>) => {
      for (const q of queries.slice(0, 20)) await run(q); // warm the page cache
      const ms: number[] = [];
      const cpu: number[] = [];
      for (const q of queries) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        await run(q);
        const c = process.cpuUsage(c0);
        ms.push(performance.now() - t0);
        cpu.push((c.user + c.system) / 1000);
      }
      // Wall time suffers when other processes hold the cores; CPU time is what one query costs.
      return `wall p50 ${pct(ms, 50).toFixed(2)} ms, p95 ${pct(ms, 95).toFixed(2)} ms | cpu p50 ${pct(cpu, 50).toFixed(2)} ms, p95 ${pct(cpu, 95).toFixed(2)} ms`;
    };
    const sparseOnly = await time((q) => store.vectorStore.query({ ownerId: owner, sparse: q.sparse }));
    const denseOnly = await time((q) => store.vectorStore.query({ ownerId: owner, sparse: { indices: [], values: [] }, dense: q.dense }));
    const hybrid = await time((q) => store.vectorStore.query({ ownerId: owner, sparse: q.sparse, dense: q.dense }));
    const mb = (statSync(file).size + (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0)) / 2 ** 20;
    console.log(`\n## ${size.toLocaleString('en')} chunks (+${(size / 10).toLocaleString('en')} of another owner), dense ${dim}-d`);
    console.log(`upsert        ${((size / upsertMs) * 1000).toFixed(0)} chunks/s wall, ${((size / upsertCpuMs) * 1000).toFixed(0)} chunks/s of CPU (batches of ${BATCH}, ${TERMS_PER_CHUNK} terms + ${dim}-d each)`);
    console.log(`sparse query  ${sparseOnly}`);
    console.log(`dense query   ${denseOnly}`);
    console.log(`hybrid query  ${hybrid}   (limit 30, prefetch 100 per list, RRF)`);
    console.log(`file size     ${mb.toFixed(0)} MiB`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const size of sizes) await benchSize(size);
console.log(`\nload average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
