import { createMetricsRegistry } from '@docrag/observability';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer } from '../../test/test-server';
import { createCollectorRunner } from './collector';
import { createQdrantCollector } from './qdrant-collector';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** Answers like Qdrant 1.x's REST API (shapes from the OpenAPI spec: CollectionsResponse, CollectionInfo). */
async function fakeQdrant(options: { apiKey?: string; failInfo?: boolean } = {}) {
  const seen: string[] = [];
  const server = await startTestServer((req, res) => {
    seen.push(req.url ?? '');
    if (options.apiKey && req.headers['api-key'] !== options.apiKey) {
      res.writeHead(401).end('{"status":{"error":"Must provide an API key"}}');
      return;
    }
    const send = (result: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result, status: 'ok', time: 0.0001 }));
    if (req.url === '/collections') return send({ collections: [{ name: 'docrag_chunks' }, { name: 'docrag_parents' }] });
    if (options.failInfo) return void res.writeHead(500).end('{"status":{"error":"boom"}}');
    if (req.url === '/collections/docrag_chunks')
      return send({ status: 'yellow', optimizer_status: 'ok', points_count: 1200, indexed_vectors_count: 1000, segments_count: 4, config: {} });
    if (req.url === '/collections/docrag_parents')
      return send({ status: 'green', optimizer_status: 'ok', points_count: 300, indexed_vectors_count: 0, segments_count: 2, config: {} });
    res.writeHead(404).end('{"status":{"error":"Not found"}}');
  });
  close = server.close;
  return { url: server.url, seen };
}

describe('Qdrant collector', () => {
  it('reports every listed collection with the API key', async () => {
    const qdrant = await fakeQdrant({ apiKey: 'k3y' });
    const registry = createMetricsRegistry({ defaultMetrics: false });
    await createQdrantCollector(registry, { url: qdrant.url, apiKey: 'k3y' }).collect(new AbortController().signal);
    const text = await registry.metrics();
    expect(text).toContain('store_points{store="qdrant",collection="docrag_chunks"} 1200');
    expect(text).toContain('store_indexed_vectors{store="qdrant",collection="docrag_chunks"} 1000');
    expect(text).toContain('store_segments{store="qdrant",collection="docrag_parents"} 2');
    expect(text).toContain('store_status{store="qdrant",collection="docrag_chunks",status="yellow"} 1');
    expect(text).toContain('store_status{store="qdrant",collection="docrag_chunks",status="green"} 0');
  });

  it('asks only for configured collections', async () => {
    const qdrant = await fakeQdrant();
    const registry = createMetricsRegistry({ defaultMetrics: false });
    await createQdrantCollector(registry, { url: qdrant.url, collections: ['docrag_parents'] }).collect(new AbortController().signal);
    expect(qdrant.seen).toEqual(['/collections/docrag_parents']);
  });

  it('a failing Qdrant sets exporter_collector_up=0 and logs once', async () => {
    const qdrant = await fakeQdrant({ failInfo: true });
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const warnings: unknown[] = [];
    const runner = createCollectorRunner({
      registry,
      collectors: [createQdrantCollector(registry, { url: qdrant.url })],
      timeoutMs: 2_000,
      logger: { warn: (obj: unknown) => void warnings.push(obj) } as never,
    });
    await runner.collectAll();
    await runner.collectAll();
    const text = await registry.metrics();
    expect(text).toContain('exporter_collector_up{collector="qdrant"} 0');
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0])).toContain('qdrant');
  });

  it('a wrong API key is a failure, not zeros', async () => {
    const qdrant = await fakeQdrant({ apiKey: 'right' });
    const registry = createMetricsRegistry({ defaultMetrics: false });
    await expect(createQdrantCollector(registry, { url: qdrant.url, apiKey: 'wrong' }).collect(new AbortController().signal)).rejects.toThrow(/401/);
  });
});
