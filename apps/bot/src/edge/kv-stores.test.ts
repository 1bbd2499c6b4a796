import { describe, expect, it } from 'vitest';
import type { FileRecord } from '@docrag/domain';
import { FileId, OwnerId } from '@docrag/domain';
import { runVectorStoreContract } from '@docrag/testing';
import { createMemoryKv } from '../storage/memory-kv';
import { KvFileRegistry } from './kv-file-registry';
import { KvVectorStore } from './kv-vector-store';

runVectorStoreContract('KvVectorStore (in-memory KV)', () => new KvVectorStore(createMemoryKv()));

describe('KvFileRegistry', () => {
  const owner = OwnerId.user(1);
  const other = OwnerId.user(2);
  const record = (n: number, over: Partial<FileRecord> = {}): FileRecord => ({
    fileId: FileId.of(owner, `${n}`.repeat(64)),
    ownerId: owner,
    name: `f${n}.md`,
    format: 'markdown',
    sha256: `${n}`.repeat(64),
    sizeBytes: 10,
    parentCount: 1,
    chunkCount: 2,
    status: 'ready',
    createdAt: 1000 + n,
    ...over,
  });

  it('stores, finds by hash, lists newest first per owner, and removes', async () => {
    const registry = new KvFileRegistry(createMemoryKv());
    await registry.put(record(1));
    await registry.put(record(2, { status: 'indexing' }));
    await registry.put({ ...record(3), ownerId: other, fileId: FileId.of(other, '3'.repeat(64)) });
    expect((await registry.list(owner)).map((r) => r.name)).toEqual(['f2.md', 'f1.md']);
    expect((await registry.findBySha256(owner, '1'.repeat(64)))?.name).toBe('f1.md');
    expect(await registry.findBySha256(other, '1'.repeat(64))).toBeUndefined();
    expect((await registry.listIncomplete()).map((r) => r.name)).toEqual(['f2.md']);
    expect(await registry.remove(owner, record(1).fileId)).toBe(true);
    expect(await registry.remove(owner, record(1).fileId)).toBe(false);
    expect(await registry.findBySha256(owner, '1'.repeat(64))).toBeUndefined();
    expect(await registry.get(owner, record(2).fileId)).toMatchObject({ status: 'indexing' });
  });
});
