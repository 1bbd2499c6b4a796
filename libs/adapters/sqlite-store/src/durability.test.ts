import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { OwnerId } from '@docrag/domain';
import { tempDir } from '../test/helpers';
import { createSqliteStore } from './create-sqlite-store';

const root = path.resolve(import.meta.dirname, '../../../..');
// tsx's CLI would run the script in a grandchild process, out of reach of the kill below; loading
// tsx as a Node loader keeps the writer in the very process that receives SIGKILL.
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Runs the writer until it has committed `atLeast` batches, then SIGKILLs it mid-write. */
function writeThenKill(file: string, batchSize: number, atLeast: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, path.join(import.meta.dirname, '../test/crash-writer.ts'), file, String(batchSize)], {
      cwd: root,
      env: { ...process.env, TSX_TSCONFIG_PATH: path.join(root, 'tsconfig.base.json') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let committed = 0;
    let stderr = '';
    let buffered = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^committed (\d+)$/.exec(line);
        if (m) committed = Number(m[1]);
      }
      // Kill while the next batch is being written: no graceful close, no checkpoint.
      if (committed >= atLeast && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(committed);
      else reject(new Error(`writer exited early (code ${code}): ${stderr}`));
    });
  });
}

describe('durability (kill -9)', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it('keeps every committed batch and no torn one after SIGKILL', async () => {
    const file = path.join(dir, 'crash.sqlite');
    const batchSize = 200;
    const committed = await writeThenKill(file, batchSize, 5);
    expect(committed).toBeGreaterThanOrEqual(5);

    const store = createSqliteStore({ path: file });
    try {
      const { db } = store;
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const stats = await store.vectorStore.stats();
      // Everything acknowledged is there; a batch in flight is either complete or absent.
      expect(stats.chunks).toBeGreaterThanOrEqual(committed * batchSize);
      expect(stats.chunks % batchSize).toBe(0);
      expect(stats.parents).toBe(stats.chunks);
      const files = await store.registry.list(OwnerId.user(42));
      expect(files.length).toBeGreaterThanOrEqual(committed);
      // The inverted index, the IDF table and the dense index agree with the chunks table.
      const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      expect(count('SELECT SUM(df) AS n FROM term_df')).toBe(count('SELECT SUM(count) AS n FROM posting_blocks'));
      expect(count('SELECT SUM(length(terms)) / 4 AS n FROM chunks')).toBe(count('SELECT SUM(count) AS n FROM posting_blocks'));
      expect(count("SELECT value AS n FROM counters WHERE name = 'chunks'")).toBe(stats.chunks);
      expect(count('SELECT COUNT(*) AS n FROM chunk_vectors')).toBe(stats.chunks);
      // And the store still works: it can be queried and written.
      await store.vectorStore.ensureReady({ dimension: 8 });
      const hits = await store.vectorStore.query({ ownerId: OwnerId.user(42), sparse: { indices: [], values: [] }, dense: [1, 0, 0, 0, 0, 0, 0, 0] });
      expect(hits.length).toBe(30);
    } finally {
      await store.close();
    }
  }, 60_000);
});
