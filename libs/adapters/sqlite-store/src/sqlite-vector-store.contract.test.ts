import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { runVectorStoreContract } from '@docrag/testing';
import { createSqliteStore } from './create-sqlite-store';

// In memory: the fast path for every behaviour of the port.
runVectorStoreContract('SqliteVectorStore (:memory:)', () => createSqliteStore({ path: ':memory:' }).vectorStore);

// On disk in WAL mode, as the bot runs it. The contract closes each store (closing its file).
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
runVectorStoreContract('SqliteVectorStore (file, WAL)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'docrag-contract-'));
  dirs.push(dir);
  return createSqliteStore({ path: path.join(dir, 'docrag.sqlite') }).vectorStore;
});
