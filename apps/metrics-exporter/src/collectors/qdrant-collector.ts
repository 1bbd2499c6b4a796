import { gaugeFrom, STORE_INDEXED_VECTORS, STORE_POINTS, STORE_SEGMENTS, STORE_STATUS } from '@docrag/observability';
import type { Registry } from 'prom-client';
import type { Collector } from './collector';

/** Qdrant collection statuses (REST `CollectionStatus`). */
export const QDRANT_STATUSES = ['green', 'yellow', 'grey', 'red'] as const;

interface CollectionInfo {
  readonly status?: string;
  readonly points_count?: number | null;
  readonly indexed_vectors_count?: number | null;
  readonly segments_count?: number;
}

export interface QdrantCollectorOptions {
  readonly url: string;
  readonly apiKey?: string;
  /** Collections to report; empty = all that `GET /collections` lists. */
  readonly collections?: readonly string[];
  readonly fetch?: typeof fetch;
}

/**
 * Collection stats over Qdrant's REST API (`GET /collections/{name}`): points, segments, indexed
 * vectors and status. Plain fetch: four numbers do not need the client SDK.
 */
export function createQdrantCollector(registry: Registry, options: QdrantCollectorOptions): Collector {
  const points = gaugeFrom(registry, STORE_POINTS);
  const segments = gaugeFrom(registry, STORE_SEGMENTS);
  const indexed = gaugeFrom(registry, STORE_INDEXED_VECTORS);
  const status = gaugeFrom(registry, STORE_STATUS);
  const doFetch = options.fetch ?? fetch;
  const headers: Record<string, string> = options.apiKey ? { 'api-key': options.apiKey } : {};
  const base = options.url.replace(/\/+$/, '');

  async function get<T>(path: string, signal: AbortSignal): Promise<T> {
    const response = await doFetch(`${base}${path}`, { headers, signal });
    if (!response.ok) throw new Error(`Qdrant GET ${path} answered ${response.status}`);
    const body = (await response.json()) as { result?: T };
    if (body.result === undefined) throw new Error(`Qdrant GET ${path}: no "result" in the answer`);
    return body.result;
  }

  return {
    name: 'qdrant',
    async collect(signal) {
      const names =
        options.collections && options.collections.length > 0
          ? options.collections
          : (await get<{ collections: { name: string }[] }>('/collections', signal)).collections.map((c) => c.name);
      const infos = await Promise.all(names.map(async (name) => [name, await get<CollectionInfo>(`/collections/${encodeURIComponent(name)}`, signal)] as const));
      // Reset after every source call succeeded: a collection deleted since the last scrape disappears.
      for (const gauge of [points, segments, indexed, status]) gauge.reset();
      for (const [collection, info] of infos) {
        const labels = { store: 'qdrant', collection };
        points.set(labels, info.points_count ?? 0);
        segments.set(labels, info.segments_count ?? 0);
        indexed.set(labels, info.indexed_vectors_count ?? 0);
        for (const value of QDRANT_STATUSES) status.set({ ...labels, status: value }, info.status === value ? 1 : 0);
      }
    },
  };
}
