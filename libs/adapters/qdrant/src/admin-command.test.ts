import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeQdrantServer } from '../test/fake-qdrant-server';
import { runAdminCommand } from './admin-command';
import { createQdrantVectorStore } from './qdrant-vector-store';

const server = new FakeQdrantServer();
beforeAll(() => server.start());
afterAll(() => server.stop());

async function run(...args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runAdminCommand(args, { QDRANT_URL: server.url, QDRANT_COLLECTION_PREFIX: 'adm_', QDRANT_RETRIES: '0' }, (l) => lines.push(l));
  return { code, lines };
}

describe('qdrant admin command', () => {
  it('snapshots, swaps, reports status and rolls back', async () => {
    const v1 = createQdrantVectorStore({ url: server.url, collectionPrefix: 'adm_' });
    await v1.ensureReady({});
    await v1.admin.createVersion(2, {});

    const snap = await run('snapshot');
    expect(snap.code).toBe(0);
    expect(snap.lines).toEqual([
      'snapshot adm_chunks_v1-1.snapshot of adm_chunks_v1 (1234 bytes)',
      'snapshot adm_parents_v1-2.snapshot of adm_parents_v1 (1234 bytes)',
    ]);

    expect(await run('swap', '2')).toEqual({ code: 0, lines: ['aliases adm_chunks, adm_parents now point at version 2'] });
    expect(JSON.parse((await run('status')).lines[0]!)).toEqual({
      current: 2,
      versions: [1, 2],
      aliases: { chunks: 'adm_chunks_v2', parents: 'adm_parents_v2' },
    });
    expect(await run('rollback')).toEqual({ code: 0, lines: ['rolled back to version 1'] });
    expect(await run('drop', '2')).toEqual({ code: 0, lines: ['dropped version 2'] });
  });

  it('explains bad usage and bad config with exit code 2', async () => {
    expect((await run('swap', 'x')).code).toBe(2);
    expect((await run('frobnicate')).lines[0]).toContain('usage: qdrant-admin');
    const lines: string[] = [];
    expect(await runAdminCommand(['status'], { QDRANT_URL: 'not a url' }, (l) => lines.push(l))).toBe(2);
    expect(lines[0]).toMatch(/^config error: QDRANT_URL/);
  });

  it('reports a failing server with exit code 1', async () => {
    server.inject({ status: 500, pathIncludes: '/aliases' });
    const result = await run('status');
    expect(result.code).toBe(1);
    expect(result.lines[0]).toMatch(/^failed: qdrant answered 500/);
  });
});
