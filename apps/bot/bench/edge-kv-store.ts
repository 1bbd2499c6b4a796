/**
 * Query latency of the edge's KvVectorStore (exhaustive hybrid search over one owner's chunks) as
 * the library grows, on the in-process KV. Deno KV adds its own read cost per listed entry on top,
 * so these are lower bounds; they set the "few thousand chunks per owner" guidance in docs/edge.md.
 *
 *   npx nx run bot:bench-edge-store
 */
import { cpus } from 'node:os';
import type { IndexedChunk, ParentChunk } from '@docrag/domain';
import { ChunkId, FileId, OwnerId, ParentId } from '@docrag/domain';
import { hashedDense, hashedSparse } from '@docrag/testing';
import { KvVectorStore } from '../src/edge/kv-vector-store';
import { createMemoryKv } from '../src/storage/memory-kv';

const DIM = 384;
const SIZES = [1_000, 5_000, 20_000];
const QUERIES = 20;
const VOCAB = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}`);

function sentence(seed: number, words = 80): string {
  let x = seed * 2654435761;
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out.push(VOCAB[x % VOCAB.length]!);
  }
  return out.join(' ');
}

const owner = OwnerId.user(1);
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}`);
console.log('| chunks | dense | p50 ms | p95 ms |');
console.log('|---|---|---|---|');
for (const size of SIZES) {
  for (const dense of [false, true]) {
    const store = new KvVectorStore(createMemoryKv());
    await store.ensureReady(dense ? { dimension: DIM } : {});
    const fileId = FileId.of(owner, 'f'.repeat(64));
    const parents: ParentChunk[] = [];
    const chunks: IndexedChunk[] = [];
    for (let i = 0; i < size; i++) {
      const text = sentence(i);
      const parentId = ParentId.of(fileId, Math.floor(i / 4));
      if (i % 4 === 0) parents.push({ id: parentId, fileId, ownerId: owner, fileName: 'big.pdf', index: i / 4, text, tokenCount: 100, headingPath: [] });
      chunks.push({
        chunk: { id: ChunkId.of(fileId, i), parentId, fileId, ownerId: owner, fileName: 'big.pdf', index: i, text, tokenCount: 100, headingPath: [] },
        embedding: { sparse: hashedSparse(text), ...(dense ? { dense: hashedDense(text, DIM) } : {}) },
      });
    }
    await store.upsert({ chunks, parents });
    const times: number[] = [];
    for (let q = 0; q < QUERIES; q++) {
      const text = sentence(100_000 + q, 8);
      const started = performance.now();
      await store.query({ ownerId: owner, sparse: hashedSparse(text), ...(dense ? { dense: hashedDense(text, DIM) } : {}), limit: 30 });
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(1);
    console.log(`| ${size} | ${dense ? DIM : 'no'} | ${pct(0.5)} | ${pct(0.95)} |`);
  }
}
