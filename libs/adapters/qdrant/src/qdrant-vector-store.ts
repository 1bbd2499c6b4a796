import { RagError } from '@docrag/domain';
import type {
  FileId,
  HybridQuery,
  IndexedChunk,
  OwnerId,
  ParentChunk,
  ParentId,
  ScoredChunk,
  StoredFile,
  StoreStats,
  VectorStore,
} from '@docrag/domain';
import { QdrantCollections } from './collections';
import type { CollectionNames, CollectionSettings } from './collections';
import { chunkPayload, FIELD, fileFilter, ownerFilter, parentPayload, payloadToChunk, payloadToParent } from './payload';
import { pointId } from './point-ids';
import { createQdrantApi } from './qdrant-api';
import { reindexCollections } from './reindex';
import type { ReindexOptions, ReindexResult } from './reindex';
import type { QdrantApi, QdrantConnectionOptions, QdrantPoint, QdrantQueryRequest } from './qdrant-api';

export interface QdrantVectorStoreOptions {
  /** Prefix of the alias and collection names (`QDRANT_COLLECTION_PREFIX`, default none). */
  readonly collectionPrefix?: string;
  /**
   * Read and write these physical collections instead of the aliases: how a reindex fills
   * `chunks_v2`/`parents_v2` while `chunks`/`parents` keep serving v1.
   */
  readonly collections?: CollectionNames;
  /** Version created on first start when no aliases exist (default 1). */
  readonly initialVersion?: number;
  readonly settings?: CollectionSettings;
  /** Candidates each of dense and sparse contributes before fusion (`QDRANT_PREFETCH_LIMIT`, default 100). */
  readonly prefetchLimit?: number;
  /**
   * RRF constant. 60 (default) matches the embedded store and the RRF paper; the parametrized
   * `{"rrf": {"k": 60}}` query exists as of Qdrant v1.16.0 (qdrant/landing_page#1985).
   * `'server-default'` sends `{"fusion": "rrf"}` for older servers, which fixes k = 2
   * (qdrant/qdrant#6963, lib/segment/src/common/reciprocal_rank_fusion.rs).
   */
  readonly rrfK?: number | 'server-default';
  /** Points per upsert request (default 256). */
  readonly upsertBatchSize?: number;
}

export const QDRANT_STORE_DEFAULTS = { prefetchLimit: 100, rrfK: 60, upsertBatchSize: 256, queryLimit: 30 } as const;

/** Largest number of distinct files one facet request reports (stats and listFiles). */
const FACET_LIMIT = 100_000;
const SCROLL_PAGE = 256;

/**
 * `VectorStore` on Qdrant: children in `chunks` (named vectors `dense`, cosine, and `sparse`
 * with `modifier: idf`, so BM25's IDF is applied by the server at query time), parents in
 * `parents` (payload only, fetched by id). Hybrid search is one Query API call: a dense and a
 * sparse prefetch, both filtered by owner, fused by RRF. Every read and delete carries the owner
 * filter; `getParents` re-checks the owner on what it retrieves by id.
 */
export class QdrantVectorStore implements VectorStore {
  readonly admin: QdrantCollections;
  private names: CollectionNames | undefined;
  private dimension: number | undefined;

  constructor(
    private readonly api: QdrantApi,
    private readonly options: QdrantVectorStoreOptions = {},
  ) {
    this.admin = new QdrantCollections(api, {
      ...(options.collectionPrefix ? { prefix: options.collectionPrefix } : {}),
      ...(options.settings ? { settings: options.settings } : {}),
    });
  }

  async ensureReady(options: { dimension?: number; signal?: AbortSignal }): Promise<void> {
    const dimension = options.dimension;
    if (this.options.collections) {
      await this.admin.ensureCollection(this.options.collections.chunks, { sparse: true, ...(dimension ? { denseSize: dimension } : {}) }, options.signal);
      await this.admin.ensureCollection(this.options.collections.parents, { sparse: false }, options.signal);
    } else {
      await this.admin.ensureCurrent({ ...(dimension ? { dimension } : {}), ...(this.options.initialVersion ? { initialVersion: this.options.initialVersion } : {}) }, options.signal);
    }
    // Reads and writes go through the aliases (or the named version), never the physical
    // collection resolved now: a swap must take effect without restarting.
    this.names = this.options.collections ?? this.admin.aliases;
    this.dimension = dimension;
  }

  async upsert(batch: { chunks: readonly IndexedChunk[]; parents: readonly ParentChunk[] }, signal?: AbortSignal): Promise<void> {
    const names = this.ready();
    for (const item of batch.chunks) {
      const dense = item.embedding.dense;
      if (dense && this.dimension !== undefined && dense.length !== this.dimension) {
        throw new RagError({ code: 'invalid_input', reason: `dense vector has ${dense.length} dimensions, store has ${this.dimension}` });
      }
    }
    const size = this.options.upsertBatchSize ?? QDRANT_STORE_DEFAULTS.upsertBatchSize;
    // Parents first: a chunk that is searchable always has its context available.
    const parentPoints: QdrantPoint[] = batch.parents.map((p) => ({ id: pointId(p.id), vector: {}, payload: parentPayload(p) }));
    for (let i = 0; i < parentPoints.length; i += size) await this.api.upsert(names.parents, parentPoints.slice(i, i + size), signal);
    const chunkPoints: QdrantPoint[] = batch.chunks.map((item) => ({
      id: pointId(item.chunk.id),
      vector: {
        ...(item.embedding.dense && this.dimension !== undefined ? { dense: item.embedding.dense } : {}),
        ...(item.embedding.sparse.indices.length ? { sparse: { indices: item.embedding.sparse.indices, values: item.embedding.sparse.values } } : {}),
      },
      payload: chunkPayload(item.chunk),
    }));
    for (let i = 0; i < chunkPoints.length; i += size) await this.api.upsert(names.chunks, chunkPoints.slice(i, i + size), signal);
  }

  async query(query: HybridQuery): Promise<ScoredChunk[]> {
    const names = this.ready();
    if (query.fileIds && query.fileIds.length === 0) return [];
    const request = buildHybridQuery(query, {
      dense: this.dimension !== undefined,
      prefetchLimit: this.options.prefetchLimit ?? QDRANT_STORE_DEFAULTS.prefetchLimit,
      rrfK: this.options.rrfK ?? QDRANT_STORE_DEFAULTS.rrfK,
    });
    if (!request) return [];
    const hits = await this.api.query(names.chunks, request, query.signal);
    return hits
      .map((hit) => ({ chunk: payloadToChunk(hit.payload), score: hit.score }))
      .filter((hit) => hit.chunk.ownerId === query.ownerId);
  }

  async getParents(ownerId: OwnerId, ids: readonly ParentId[], signal?: AbortSignal): Promise<ParentChunk[]> {
    const names = this.ready();
    if (ids.length === 0) return [];
    const records = await this.api.retrieve(names.parents, [...new Set(ids.map(pointId))], signal);
    const byId = new Map(records.map((r) => payloadToParent(r.payload)).filter((p) => p.ownerId === ownerId).map((p) => [p.id as string, p]));
    return ids.map((id) => byId.get(id)).filter((p): p is ParentChunk => p !== undefined);
  }

  async getFileParents(ownerId: OwnerId, fileId: FileId, signal?: AbortSignal): Promise<ParentChunk[]> {
    const names = this.ready();
    const parents: ParentChunk[] = [];
    let offset: string | number | undefined;
    do {
      const page = await this.api.scroll(names.parents, { filter: fileFilter(ownerId, fileId), limit: SCROLL_PAGE, ...(offset === undefined ? {} : { offset }) }, signal);
      parents.push(...page.points.map((r) => payloadToParent(r.payload)));
      offset = page.next;
    } while (offset !== undefined);
    return parents.filter((p) => p.ownerId === ownerId).sort((a, b) => a.index - b.index);
  }

  async deleteFile(ownerId: OwnerId, fileId: FileId, signal?: AbortSignal): Promise<number> {
    const names = this.ready();
    const filter = fileFilter(ownerId, fileId);
    const count = await this.api.count(names.chunks, filter, signal);
    // Chunks first: once they are gone nothing can retrieve the parents any more.
    await this.api.deleteByFilter(names.chunks, filter, signal);
    await this.api.deleteByFilter(names.parents, filter, signal);
    return count;
  }

  async listFiles(ownerId: OwnerId, signal?: AbortSignal): Promise<StoredFile[]> {
    const names = this.ready();
    const filter = ownerFilter(ownerId);
    const [chunks, parents] = await Promise.all([
      this.api.facet(names.chunks, { key: FIELD.fileId, filter, limit: FACET_LIMIT }, signal),
      this.api.facet(names.parents, { key: FIELD.fileId, filter, limit: FACET_LIMIT }, signal),
    ]);
    const files = new Map<string, { chunkCount: number; parentCount: number }>();
    for (const hit of chunks) files.set(hit.value, { chunkCount: hit.count, parentCount: 0 });
    for (const hit of parents) files.set(hit.value, { chunkCount: files.get(hit.value)?.chunkCount ?? 0, parentCount: hit.count });
    return [...files]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([fileId, counts]) => ({ fileId: fileId as FileId, ...counts }));
  }

  async stats(ownerId?: OwnerId, signal?: AbortSignal): Promise<StoreStats> {
    const names = this.ready();
    const filter = ownerId ? ownerFilter(ownerId) : undefined;
    const facet = (name: string) => this.api.facet(name, { key: FIELD.fileId, limit: FACET_LIMIT, ...(filter ? { filter } : {}) }, signal);
    const [chunks, parents, chunkFiles, parentFiles, description] = await Promise.all([
      this.api.count(names.chunks, filter, signal),
      this.api.count(names.parents, filter, signal),
      facet(names.chunks),
      facet(names.parents),
      this.api.describeCollection(names.chunks, signal),
    ]);
    const files = new Set([...chunkFiles, ...parentFiles].map((h) => h.value));
    return {
      chunks,
      parents,
      files: files.size,
      ...(this.dimension === undefined ? {} : { dimension: this.dimension }),
      details: { backend: 'qdrant', collection: names.chunks, status: description.status, segments: description.segmentsCount, points: description.pointsCount },
    };
  }

  /**
   * Re-embeds the live index into a new version with `embedder` and swaps the aliases to it
   * (see `reindexCollections`). Call `ensureReady` with the new dimension afterwards.
   */
  reindex(options: ReindexOptions): Promise<ReindexResult> {
    return reindexCollections(this.api, this.admin, options);
  }

  async close(): Promise<void> {
    this.names = undefined;
  }

  private ready(): CollectionNames {
    if (!this.names) throw new RagError({ code: 'invalid_input', reason: 'QdrantVectorStore used before ensureReady()' });
    return this.names;
  }
}

/**
 * The Query API request for a hybrid search, or undefined when the query has nothing to search
 * with (no dense vector and an empty sparse one). Dense and sparse prefetches carry the owner
 * filter themselves: a filter on the outer query would not restrict what the prefetches fetch.
 */
export function buildHybridQuery(
  query: HybridQuery,
  options: { dense: boolean; prefetchLimit: number; rrfK: number | 'server-default' },
): QdrantQueryRequest | undefined {
  const filter = ownerFilter(query.ownerId, query.fileIds);
  const limit = query.limit ?? QDRANT_STORE_DEFAULTS.queryLimit;
  const sparse = query.sparse.indices.length ? { indices: [...query.sparse.indices], values: [...query.sparse.values] } : undefined;
  const dense = options.dense && query.dense?.length ? [...query.dense] : undefined;
  if (dense && sparse) {
    const prefetchLimit = Math.max(options.prefetchLimit, limit);
    return {
      prefetch: [
        { query: dense, using: 'dense', limit: prefetchLimit, filter },
        { query: sparse, using: 'sparse', limit: prefetchLimit, filter },
      ],
      query: options.rrfK === 'server-default' ? { fusion: 'rrf' } : { rrf: { k: options.rrfK } },
      filter,
      limit,
    };
  }
  if (sparse) return { query: sparse, using: 'sparse', filter, limit };
  if (dense) return { query: dense, using: 'dense', filter, limit };
  return undefined;
}

/** Connection + store options together, as an app's composition root has them. */
export type QdrantStoreConfig = QdrantConnectionOptions & QdrantVectorStoreOptions;

/**
 * @example
 * const store = createQdrantVectorStore({ url: config.QDRANT_URL, apiKey: config.QDRANT_API_KEY,
 *   timeoutMs: config.QDRANT_TIMEOUT_MS, retries: config.QDRANT_RETRIES,
 *   settings: { shardNumber: config.QDRANT_SHARDS, replicationFactor: config.QDRANT_REPLICATION_FACTOR } });
 * await store.ensureReady({ dimension: (await embedder.describe()).dimension });
 */
export function createQdrantVectorStore(config: QdrantStoreConfig): QdrantVectorStore {
  return new QdrantVectorStore(createQdrantApi(config), config);
}
