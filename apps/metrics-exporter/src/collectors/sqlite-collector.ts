import { gaugeFrom, INGESTION_BACKLOG, STORE_FILES, STORE_INDEXED_VECTORS, STORE_POINTS, STORE_SEGMENTS, STORE_SIZE, STORE_STATUS } from '@docrag/observability';
import type { Registry } from 'prom-client';
import type { Collector } from './collector';
import type { SqliteStatsSource } from './sqlite-source';

/** The collection label of the embedded store (one file holds every owner's chunks). */
export const SQLITE_COLLECTION = 'docrag';

/**
 * Embedded store stats through the store's own `stats()`: points (child chunks), files, on-disk
 * size. The gauges shared with Qdrant get the values that mean the same thing for one SQLite file
 * (one segment; every vector is "indexed", since search is exact; status green when readable).
 */
export function createSqliteStoreCollector(registry: Registry, source: SqliteStatsSource): Collector {
  const points = gaugeFrom(registry, STORE_POINTS);
  const files = gaugeFrom(registry, STORE_FILES);
  const segments = gaugeFrom(registry, STORE_SEGMENTS);
  const indexed = gaugeFrom(registry, STORE_INDEXED_VECTORS);
  const status = gaugeFrom(registry, STORE_STATUS);
  const size = gaugeFrom(registry, STORE_SIZE);
  const labels = { store: 'sqlite', collection: SQLITE_COLLECTION };
  return {
    name: 'sqlite',
    async collect(signal) {
      let stats;
      try {
        stats = await source.open().store.stats(undefined, signal);
      } catch (error) {
        // A replaced or deleted file: reopen on the next scrape.
        source.close();
        throw error;
      }
      points.set(labels, stats.chunks);
      files.set(labels, stats.files);
      segments.set(labels, 1);
      indexed.set(labels, stats.chunks);
      status.set({ ...labels, status: 'green' }, 1);
      const disk = Number(stats.details?.['diskBytes']);
      if (Number.isFinite(disk)) size.set(labels, disk);
    },
  };
}

/** Files waiting for or in ingestion (`queued + running` jobs in the bot's job table). */
export function createBacklogCollector(registry: Registry, source: SqliteStatsSource): Collector {
  const backlog = gaugeFrom(registry, INGESTION_BACKLOG);
  return {
    name: 'backlog',
    async collect() {
      let counts;
      try {
        counts = await source.open().jobs.counts();
      } catch (error) {
        source.close();
        throw error;
      }
      backlog.set(counts.queued + counts.running);
    },
  };
}
