import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OwnerId } from '@docrag/domain';
import { createMetricsRegistry } from '@docrag/observability';
import { createSqliteStore } from '@docrag/sqlite-store';
import { makeFixtureFile } from '@docrag/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBacklogCollector, createSqliteStoreCollector } from './sqlite-collector';
import { createSqliteStatsSource } from './sqlite-source';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'exporter-sqlite-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('embedded store collectors', () => {
  it('read stats and backlog from the bot file without writing to it', async () => {
    const file = path.join(dir, 'docrag.sqlite');
    const store = createSqliteStore({ path: file });
    await store.vectorStore.ensureReady({});
    const owner = OwnerId.user(7);
    const fixture = makeFixtureFile({ ownerId: owner, fileName: 'a.md', dimension: 0, parents: [['one two', 'three four'], ['five six']] });
    await store.vectorStore.upsert({ chunks: fixture.chunks, parents: fixture.parents });
    const job = await store.jobs.enqueue(owner, 'b.pdf');
    await store.jobs.enqueue(owner, 'c.pdf');
    await store.jobs.start(job);
    const done = await store.jobs.enqueue(owner, 'd.md');
    await store.jobs.finish(done);

    const source = createSqliteStatsSource(file);
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const signal = new AbortController().signal;
    // The bot keeps its connection open while the exporter reads.
    await createSqliteStoreCollector(registry, source).collect(signal);
    await createBacklogCollector(registry, source).collect(signal);
    const text = await registry.metrics();
    expect(text).toContain('store_points{store="sqlite",collection="docrag"} 3');
    expect(text).toContain('store_files{store="sqlite",collection="docrag"} 1');
    expect(text).toContain('store_status{store="sqlite",collection="docrag",status="green"} 1');
    expect(text).toMatch(/store_size_bytes\{store="sqlite",collection="docrag"\} [1-9]\d+/);
    expect(text).toContain('ingestion_backlog_files 2');

    // Read-only: the exporter's connection cannot write.
    expect(() => (source.open().store as unknown as { db: { exec(sql: string): void } }).db.exec('DELETE FROM chunks')).toThrow(/readonly/i);
    source.close();
    await store.close();
  });

  it('fails clearly while the bot has not created the file', async () => {
    const source = createSqliteStatsSource(path.join(dir, 'missing.sqlite'));
    const registry = createMetricsRegistry({ defaultMetrics: false });
    await expect(createSqliteStoreCollector(registry, source).collect(new AbortController().signal)).rejects.toThrow(/does not exist yet/);
  });
});
