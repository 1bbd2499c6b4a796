/**
 * Child process for the kill -9 durability test: writes batches of chunks to the store at argv[2]
 * forever, printing `committed <n>` after each batch's transaction returns. The parent kills it
 * with SIGKILL at an arbitrary moment (usually in the middle of a batch).
 */
import { OwnerId } from '@docrag/domain';
import { createSqliteStore } from '../src/create-sqlite-store';
import { makeFile } from './helpers';

const file = process.argv[2];
const batchSize = Number(process.argv[3] ?? 200);
if (!file) throw new Error('usage: crash-writer <db file> [batch size]');
// Never outlive the test: stop when the parent goes away (stdin closes) or after 60 s at most.
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
setTimeout(() => process.exit(0), 60_000).unref();
const store = createSqliteStore({ path: file });
await store.vectorStore.ensureReady({ dimension: 8 });
const owner = OwnerId.user(42);
for (let n = 1; ; n++) {
  const texts = Array.from({ length: batchSize }, (_, i) => `batch ${n} chunk ${i} durable words ${i % 17} ${n % 13} sqlite wal`);
  const batch = makeFile(owner, `file-${n}`, texts, (_t, i) => Array.from({ length: 8 }, (_, d) => Math.sin(n + i + d)));
  await store.vectorStore.upsert(batch);
  await store.registry.put({
    fileId: batch.fileId, ownerId: owner, name: `file-${n}`, format: 'text', sha256: String(n).padStart(64, '0'),
    sizeBytes: 1, parentCount: batchSize, chunkCount: batchSize, status: 'ready', createdAt: n,
  });
  process.stdout.write(`committed ${n}\n`);
  // Yield to the event loop so the stdin and timer guards above can fire.
  await new Promise((resolve) => setImmediate(resolve));
}
