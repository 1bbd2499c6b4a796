import { afterEach, describe, expect, it } from 'vitest';
import type { FileRecord } from '@docrag/domain';
import { FileId, OwnerId } from '@docrag/domain';
import { FakeClock } from '@docrag/testing';
import Database from 'better-sqlite3';
import { createSqliteStore } from './create-sqlite-store';
import type { SqliteStore } from './create-sqlite-store';
import { migrate, SCHEMA_VERSION } from './migrations';

const alice = OwnerId.user(1);
const bob = OwnerId.user(2);

function record(owner: OwnerId, n: number, overrides: Partial<FileRecord> = {}): FileRecord {
  const sha256 = String(n).repeat(64).slice(0, 64);
  return {
    fileId: FileId.of(owner, sha256),
    ownerId: owner,
    name: `file-${n}.pdf`,
    format: 'pdf',
    sha256,
    sizeBytes: 1000 + n,
    parentCount: n,
    chunkCount: 2 * n,
    status: 'ready',
    createdAt: 1_000 + n,
    ...overrides,
  };
}

describe('embedded storage tables', () => {
  const opened: SqliteStore[] = [];
  const open = (clock?: FakeClock) => {
    const store = createSqliteStore({ path: ':memory:', ...(clock ? { clock } : {}) });
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });

  describe('SqliteFileRegistry', () => {
    it('stores, finds by sha256 per owner, lists newest first and removes', async () => {
      const { registry } = open();
      await registry.put(record(alice, 1));
      await registry.put(record(alice, 2));
      await registry.put(record(bob, 1));
      expect(await registry.get(alice, record(alice, 1).fileId)).toEqual(record(alice, 1));
      expect(await registry.findBySha256(alice, record(alice, 2).sha256)).toEqual(record(alice, 2));
      expect(await registry.findBySha256(bob, record(alice, 2).sha256)).toBeUndefined();
      expect((await registry.list(alice)).map((r) => r.name)).toEqual(['file-2.pdf', 'file-1.pdf']);
      expect(await registry.remove(alice, record(alice, 1).fileId)).toBe(true);
      expect(await registry.remove(alice, record(alice, 1).fileId)).toBe(false);
      expect(await registry.list(alice)).toHaveLength(1);
      expect(await registry.list(bob)).toHaveLength(1);
    });

    it('updates in place and lists incomplete ingestions across owners', async () => {
      const { registry } = open();
      await registry.put(record(alice, 1, { status: 'indexing', chunkCount: 0 }));
      await registry.put(record(bob, 3, { status: 'indexing' }));
      expect((await registry.listIncomplete()).map((r) => r.ownerId)).toEqual([alice, bob]);
      await registry.put(record(alice, 1));
      expect(await registry.listIncomplete()).toEqual([record(bob, 3, { status: 'indexing' })]);
      expect((await registry.get(alice, record(alice, 1).fileId))?.chunkCount).toBe(2);
    });
  });

  describe('SqliteChatHistory', () => {
    it('keeps the newest turns per chat, oldest first, and clears', async () => {
      const { history } = open();
      for (let i = 1; i <= 5; i++) await history.append('chat:1', { question: `q${i}`, answer: `a${i}`, at: i }, 3);
      await history.append('chat:2', { question: 'other', answer: 'x', at: 9 }, 3);
      expect((await history.load('chat:1')).map((t) => t.question)).toEqual(['q3', 'q4', 'q5']);
      expect(await history.load('chat:2')).toEqual([{ question: 'other', answer: 'x', at: 9 }]);
      await history.clear('chat:1');
      expect(await history.load('chat:1')).toEqual([]);
      expect(await history.load('chat:2')).toHaveLength(1);
      await expect(history.append('chat:1', { question: 'q', answer: 'a', at: 1 }, -1)).rejects.toThrow(/maxTurns/);
    });
  });

  describe('SqliteSessionStorage', () => {
    it('reads, writes, overwrites and deletes JSON values like a grammY storage adapter', async () => {
      const sessions = open().sessions<{ step: string; files: number[] }>();
      expect(await sessions.read('1')).toBeUndefined();
      await sessions.write('1', { step: 'ask', files: [1, 2] });
      await sessions.write('2', { step: 'idle', files: [] });
      await sessions.write('1', { step: 'done', files: [3] });
      expect(await sessions.read('1')).toEqual({ step: 'done', files: [3] });
      const keys: string[] = [];
      for await (const key of sessions.readAllKeys()) keys.push(key);
      expect(keys).toEqual(['1', '2']);
      await sessions.delete('1');
      expect(await sessions.read('1')).toBeUndefined();
    });
  });

  describe('SqliteIngestionJobs', () => {
    it('moves jobs through their states and counts the backlog', async () => {
      const clock = new FakeClock(5_000);
      const { jobs } = open(clock);
      const a = await jobs.enqueue(alice, 'a.pdf');
      const b = await jobs.enqueue(alice, 'b.pdf');
      const c = await jobs.enqueue(bob, 'c.pdf');
      expect(await jobs.counts()).toEqual({ queued: 3, running: 0, done: 0, failed: 0 });
      await jobs.start(a);
      await jobs.start(b);
      clock.advance(100);
      await jobs.finish(a, record(alice, 1).fileId);
      await jobs.fail(b, 'corrupt_file');
      expect(await jobs.get(a)).toMatchObject({ status: 'done', fileId: record(alice, 1).fileId, updatedAt: 5_100 });
      expect(await jobs.get(b)).toMatchObject({ status: 'failed', error: 'corrupt_file' });
      await jobs.start(c);
      clock.advance(100);
      expect(await jobs.failInterrupted()).toBe(1);
      expect(await jobs.counts()).toEqual({ queued: 0, running: 0, done: 1, failed: 2 });
      // a and b finished at 5 100, c failed at 5 200.
      expect(await jobs.prune(5_150)).toBe(2);
      expect(await jobs.list('failed')).toMatchObject([{ id: c, error: 'interrupted by a restart' }]);
      await expect(jobs.start(999)).rejects.toThrow(/job 999 does not exist/);
    });
  });

  describe('migrations', () => {
    it('records the schema version and refuses a newer database', () => {
      const db = new Database(':memory:');
      migrate(db);
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      migrate(db);
      db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      expect(() => migrate(db)).toThrow(/newer than this build supports/);
      db.close();
    });
  });
});
