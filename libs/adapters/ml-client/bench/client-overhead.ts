/**
 * Client-side cost of MlApiEmbedder: batching, JSON, zod validation of the answers. The server is a
 * stub on 127.0.0.1 that returns a precomputed `/embed` answer (128 texts, 384-dim dense + sparse),
 * so the time measured is the client's plus loopback HTTP, not inference.
 *
 *   npx nx run ml-client:bench
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { embedResponseSchema, MAX_TEXTS_PER_REQUEST } from '@docrag/ml-protocol';
import { MlApiEmbedder } from '../src/ml-api-embedder';

const DIM = 384;
const TEXTS = 4096;
const ROUNDS = 5;

function answerFor(count: number): string {
  const embeddings = Array.from({ length: count }, (_, i) => ({
    dense: Array.from({ length: DIM }, (_, d) => Math.sin(i * 31 + d) / 20),
    sparse: { indices: Array.from({ length: 40 }, (_, t) => t * 997 + i), values: Array.from({ length: 40 }, () => 1.3) },
  }));
  return JSON.stringify({ embeddings, dimension: DIM, model: { dense: 'stub', sparse: 'bm25-stub' }, usage: { tokens: count * 64 } });
}

const bodies = new Map<number, string>();
const server = createServer((req, res) => {
  let raw = '';
  req.on('data', (p) => (raw += String(p)));
  req.on('end', () => {
    const count = (JSON.parse(raw) as { texts: string[] }).texts.length;
    const body = bodies.get(count) ?? bodies.set(count, answerFor(count)).get(count)!;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const texts = Array.from({ length: TEXTS }, (_, i) => `chunk ${i} `.repeat(40));
const embedder = new MlApiEmbedder({ baseUrl: url, concurrency: 2 });
await embedder.embed(texts.slice(0, MAX_TEXTS_PER_REQUEST), { kind: 'document' }); // warm-up

const times: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const started = performance.now();
  const out = await embedder.embed(texts, { kind: 'document' });
  times.push(performance.now() - started);
  if (out.length !== TEXTS) throw new Error('wrong count');
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)]!;
const batches = Math.ceil(TEXTS / MAX_TEXTS_PER_REQUEST);

// Validation alone, on one full answer.
const oneBody = JSON.parse(answerFor(MAX_TEXTS_PER_REQUEST));
const validations: number[] = [];
for (let i = 0; i < 20; i++) {
  const started = performance.now();
  embedResponseSchema.parse(oneBody);
  validations.push(performance.now() - started);
}
validations.sort((a, b) => a - b);

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}`);
console.log(`embed ${TEXTS} texts (${batches} requests of ${MAX_TEXTS_PER_REQUEST}, ${DIM}-dim + 40 sparse terms, concurrency 2): median ${median.toFixed(0)} ms over ${ROUNDS} rounds`);
console.log(`  = ${(median / batches).toFixed(1)} ms per 128-text request (client + loopback), ${((TEXTS / median) * 1000).toFixed(0)} texts/s`);
console.log(`zod validation of one 128-text answer: median ${validations[10]!.toFixed(2)} ms`);
server.close();
