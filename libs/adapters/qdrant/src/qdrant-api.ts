/**
 * The only file that imports @qdrant/js-client-rest. It turns the SDK into the narrow `QdrantApi`
 * the store and the admin commands use, and owns the transport policy: per-request timeout,
 * retries with backoff for transient failures, and every failure mapped to a `RagError`.
 */
import { QdrantClient } from '@qdrant/js-client-rest';
import type { Schemas } from '@qdrant/js-client-rest';
import { RagError } from '@docrag/domain';
import { backoffMs, classifyQdrantError } from './errors';

export type QdrantPayload = Record<string, unknown>;

export type QdrantCondition =
  | { readonly key: string; readonly match: { readonly value: string | number | boolean } }
  | { readonly key: string; readonly match: { readonly any: readonly string[] } };

export interface QdrantFilter {
  readonly must: readonly QdrantCondition[];
}

export interface QdrantSparse {
  readonly indices: readonly number[];
  readonly values: readonly number[];
}

export interface QdrantPoint {
  readonly id: string;
  readonly vector: { readonly dense?: readonly number[]; readonly sparse?: QdrantSparse };
  readonly payload: QdrantPayload;
}

export interface QdrantHit {
  readonly id: string | number;
  readonly score: number;
  readonly payload: QdrantPayload;
}

export interface QdrantRecord {
  readonly id: string | number;
  readonly payload: QdrantPayload;
}

/** A Query API request (https://qdrant.tech/documentation/concepts/hybrid-queries/). */
export interface QdrantQueryRequest {
  readonly prefetch?: ReadonlyArray<{ readonly query: readonly number[] | QdrantSparse; readonly using: string; readonly limit: number; readonly filter?: QdrantFilter }>;
  readonly query: readonly number[] | QdrantSparse | { readonly fusion: 'rrf' } | { readonly rrf: { readonly k: number } };
  readonly using?: string;
  readonly filter?: QdrantFilter;
  readonly limit: number;
}

export interface CollectionSpec {
  /** Dense vector size; undefined creates a sparse-only collection. */
  readonly denseSize?: number;
  /** Whether the collection carries the `sparse` vector (chunks do, parents do not). */
  readonly sparse: boolean;
  readonly shardNumber?: number;
  readonly replicationFactor?: number;
  readonly writeConsistencyFactor?: number;
  readonly onDiskPayload?: boolean;
}

export interface CollectionDescription {
  readonly name: string;
  readonly status: string;
  readonly pointsCount: number;
  readonly segmentsCount: number;
  readonly denseSize?: number;
  readonly hasSparse: boolean;
  readonly shardNumber?: number;
  readonly replicationFactor?: number;
}

export interface AliasBinding {
  readonly alias: string;
  readonly collection: string;
}

export type AliasAction =
  | { readonly create_alias: { readonly collection_name: string; readonly alias_name: string } }
  | { readonly delete_alias: { readonly alias_name: string } };

export interface SnapshotInfo {
  readonly collection: string;
  readonly name: string;
  readonly size?: number;
  readonly createdAt?: string;
}

/** Everything the adapter asks of Qdrant. Each call may take a signal; all throw `RagError`. */
export interface QdrantApi {
  listCollections(signal?: AbortSignal): Promise<string[]>;
  listAliases(signal?: AbortSignal): Promise<AliasBinding[]>;
  collectionExists(name: string, signal?: AbortSignal): Promise<boolean>;
  describeCollection(name: string, signal?: AbortSignal): Promise<CollectionDescription>;
  /** Creates a collection; an "already exists" answer (another instance won the race) is success. */
  createCollection(name: string, spec: CollectionSpec, signal?: AbortSignal): Promise<void>;
  createKeywordIndex(name: string, field: string, options: { isTenant?: boolean }, signal?: AbortSignal): Promise<void>;
  /** Applies all actions in one request, which Qdrant executes atomically. */
  updateAliases(actions: readonly AliasAction[], signal?: AbortSignal): Promise<void>;
  upsert(name: string, points: readonly QdrantPoint[], signal?: AbortSignal): Promise<void>;
  query(name: string, request: QdrantQueryRequest, signal?: AbortSignal): Promise<QdrantHit[]>;
  retrieve(name: string, ids: readonly string[], signal?: AbortSignal): Promise<QdrantRecord[]>;
  scroll(name: string, request: { filter?: QdrantFilter; limit: number; offset?: string | number }, signal?: AbortSignal): Promise<{ points: QdrantRecord[]; next?: string | number }>;
  count(name: string, filter: QdrantFilter | undefined, signal?: AbortSignal): Promise<number>;
  deleteByFilter(name: string, filter: QdrantFilter, signal?: AbortSignal): Promise<void>;
  facet(name: string, request: { key: string; filter?: QdrantFilter; limit: number }, signal?: AbortSignal): Promise<Array<{ value: string; count: number }>>;
  createSnapshot(name: string, signal?: AbortSignal): Promise<SnapshotInfo>;
  deleteCollection(name: string, signal?: AbortSignal): Promise<void>;
}

export interface QdrantConnectionOptions {
  /** e.g. `http://127.0.0.1:6333` (`QDRANT_URL`). */
  readonly url: string;
  /** `QDRANT_API_KEY`. */
  readonly apiKey?: string;
  /** Per-request timeout (`QDRANT_TIMEOUT_MS`, default 10000). */
  readonly timeoutMs?: number;
  /** Extra attempts after a transient failure (`QDRANT_RETRIES`, default 2). */
  readonly retries?: number;
  /** First backoff step; doubles per attempt with jitter (default 200 ms). */
  readonly retryBaseMs?: number;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called before each retry (for logs/metrics). Must not throw. */
  readonly onRetry?: (info: { operation: string; attempt: number; delayMs: number; error: RagError }) => void;
}

export const QDRANT_DEFAULTS = { timeoutMs: 10_000, retries: 2, retryBaseMs: 200 } as const;

/** Longest `Retry-After` we honour before giving up and surfacing `rate_limited`. */
const MAX_RETRY_AFTER_MS = 30_000;

/** Creates the SDK-backed `QdrantApi`. */
export function createQdrantApi(options: QdrantConnectionOptions): QdrantApi {
  return new SdkQdrantApi(options);
}

class SdkQdrantApi implements QdrantApi {
  private readonly client: QdrantClient;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: QdrantConnectionOptions) {
    this.timeoutMs = options.timeoutMs ?? QDRANT_DEFAULTS.timeoutMs;
    this.retries = options.retries ?? QDRANT_DEFAULTS.retries;
    this.retryBaseMs = options.retryBaseMs ?? QDRANT_DEFAULTS.retryBaseMs;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    // checkCompatibility off: it issues a version request at construction, before config is even
    // validated, and only warns; readiness checks report a down server instead.
    this.client = new QdrantClient({
      url: options.url,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      timeout: this.timeoutMs,
      checkCompatibility: false,
    });
  }

  async listCollections(signal?: AbortSignal): Promise<string[]> {
    const result = await this.call('get_collections', signal, () => this.client.getCollections());
    return result.collections.map((c) => c.name);
  }

  async listAliases(signal?: AbortSignal): Promise<AliasBinding[]> {
    const result = await this.call('get_aliases', signal, () => this.client.getAliases());
    return result.aliases.map((a) => ({ alias: a.alias_name, collection: a.collection_name }));
  }

  async collectionExists(name: string, signal?: AbortSignal): Promise<boolean> {
    return (await this.call('collection_exists', signal, () => this.client.collectionExists(name))).exists;
  }

  async describeCollection(name: string, signal?: AbortSignal): Promise<CollectionDescription> {
    const info = await this.call('get_collection', signal, () => this.client.getCollection(name));
    const vectors = info.config.params.vectors as Record<string, { size?: number }> | { size?: number } | undefined;
    const dense = vectors && 'dense' in vectors ? (vectors as Record<string, { size?: number }>)['dense'] : undefined;
    return {
      name,
      status: String(info.status),
      pointsCount: info.points_count ?? 0,
      segmentsCount: info.segments_count,
      ...(dense?.size ? { denseSize: dense.size } : {}),
      hasSparse: !!info.config.params.sparse_vectors?.['sparse'],
      ...(info.config.params.shard_number ? { shardNumber: info.config.params.shard_number } : {}),
      ...(info.config.params.replication_factor ? { replicationFactor: info.config.params.replication_factor } : {}),
    };
  }

  async createCollection(name: string, spec: CollectionSpec, signal?: AbortSignal): Promise<void> {
    const body: Schemas['CreateCollection'] = {
      vectors: spec.denseSize ? { dense: { size: spec.denseSize, distance: 'Cosine' } } : {},
      ...(spec.sparse ? { sparse_vectors: { sparse: { modifier: 'idf' } } } : {}),
      ...(spec.shardNumber ? { shard_number: spec.shardNumber } : {}),
      ...(spec.replicationFactor ? { replication_factor: spec.replicationFactor } : {}),
      ...(spec.writeConsistencyFactor ? { write_consistency_factor: spec.writeConsistencyFactor } : {}),
      ...(spec.onDiskPayload === undefined ? {} : { on_disk_payload: spec.onDiskPayload }),
    };
    try {
      await this.call('create_collection', signal, () => this.client.createCollection(name, body));
    } catch (error) {
      // Two instances bootstrapping at once: the loser gets 409 "already exists", which is the
      // state it wanted.
      if (error instanceof RagError && error.detail.code === 'invalid_input' && /already exists|\b409\b/.test(error.detail.reason)) return;
      throw error;
    }
  }

  async createKeywordIndex(name: string, field: string, options: { isTenant?: boolean }, signal?: AbortSignal): Promise<void> {
    await this.call('create_index', signal, () =>
      this.client.createPayloadIndex(name, {
        wait: true,
        field_name: field,
        field_schema: options.isTenant ? { type: 'keyword', is_tenant: true } : 'keyword',
      }),
    );
  }

  async updateAliases(actions: readonly AliasAction[], signal?: AbortSignal): Promise<void> {
    await this.call('update_aliases', signal, () => this.client.updateCollectionAliases({ actions: actions as Schemas['AliasOperations'][] }));
  }

  async upsert(name: string, points: readonly QdrantPoint[], signal?: AbortSignal): Promise<void> {
    if (points.length === 0) return;
    await this.call('upsert', signal, () =>
      this.client.upsert(name, { wait: true, points: points as unknown as Schemas['PointStruct'][] }),
    );
  }

  async query(name: string, request: QdrantQueryRequest, signal?: AbortSignal): Promise<QdrantHit[]> {
    const result = await this.call('query', signal, () =>
      this.client.query(name, { ...(request as unknown as Schemas['QueryRequest']), with_payload: true }),
    );
    return result.points.map((p) => ({ id: p.id, score: p.score, payload: (p.payload ?? {}) as QdrantPayload }));
  }

  async retrieve(name: string, ids: readonly string[], signal?: AbortSignal): Promise<QdrantRecord[]> {
    if (ids.length === 0) return [];
    const records = await this.call('retrieve', signal, () => this.client.retrieve(name, { ids: [...ids], with_payload: true, with_vector: false }));
    return records.map((r) => ({ id: r.id, payload: (r.payload ?? {}) as QdrantPayload }));
  }

  async scroll(name: string, request: { filter?: QdrantFilter; limit: number; offset?: string | number }, signal?: AbortSignal): Promise<{ points: QdrantRecord[]; next?: string | number }> {
    const result = await this.call('scroll', signal, () =>
      this.client.scroll(name, {
        ...(request.filter ? { filter: request.filter as unknown as Schemas['Filter'] } : {}),
        limit: request.limit,
        ...(request.offset === undefined ? {} : { offset: request.offset }),
        with_payload: true,
        with_vector: false,
      }),
    );
    const next = result.next_page_offset;
    return {
      points: result.points.map((r) => ({ id: r.id, payload: (r.payload ?? {}) as QdrantPayload })),
      ...(typeof next === 'string' || typeof next === 'number' ? { next } : {}),
    };
  }

  async count(name: string, filter: QdrantFilter | undefined, signal?: AbortSignal): Promise<number> {
    const result = await this.call('count', signal, () =>
      this.client.count(name, { exact: true, ...(filter ? { filter: filter as unknown as Schemas['Filter'] } : {}) }),
    );
    return result.count;
  }

  async deleteByFilter(name: string, filter: QdrantFilter, signal?: AbortSignal): Promise<void> {
    await this.call('delete', signal, () => this.client.delete(name, { wait: true, filter: filter as unknown as Schemas['Filter'] }));
  }

  async facet(name: string, request: { key: string; filter?: QdrantFilter; limit: number }, signal?: AbortSignal): Promise<Array<{ value: string; count: number }>> {
    const result = await this.call('facet', signal, () =>
      this.client.facet(name, {
        key: request.key,
        limit: request.limit,
        exact: true,
        ...(request.filter ? { filter: request.filter as unknown as Schemas['Filter'] } : {}),
      }),
    );
    return result.hits.map((h) => ({ value: String(h.value), count: h.count }));
  }

  async createSnapshot(name: string, signal?: AbortSignal): Promise<SnapshotInfo> {
    const result = await this.call('create_snapshot', signal, () => this.client.createSnapshot(name, { wait: true }));
    if (!result) throw new RagError({ code: 'dependency_unavailable', dependency: 'vector-store' }, { message: `qdrant returned no snapshot for ${name}` });
    return { collection: name, name: result.name, ...(result.size === undefined ? {} : { size: result.size }), ...(result.creation_time ? { createdAt: result.creation_time } : {}) };
  }

  async deleteCollection(name: string, signal?: AbortSignal): Promise<void> {
    await this.call('delete_collection', signal, () => this.client.deleteCollection(name));
  }

  /**
   * Runs one SDK call with retries. Transient failures (timeouts, 5xx, 429, network) are retried
   * with exponential backoff and jitter (429 waits the server's Retry-After, capped at 30 s);
   * 4xx answers are not. Upserts and deletes are safe to repeat: point ids are deterministic and
   * deletes are by filter. The SDK cannot take our AbortSignal (its timeout middleware owns the
   * fetch signal), so on abort we stop waiting and stop retrying; the request itself finishes in
   * the background.
   */
  private async call<T>(operation: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(signal);
      try {
        return await raceAbort(fn(), signal);
      } catch (error) {
        const classified = classifyQdrantError(error, this.timeoutMs);
        if (classified.error.detail.code === 'cancelled' || !classified.retryable || attempt >= this.retries) throw classified.error;
        if (classified.retryAfterMs !== undefined && classified.retryAfterMs > MAX_RETRY_AFTER_MS) throw classified.error;
        const delayMs = classified.retryAfterMs ?? backoffMs(attempt, this.retryBaseMs);
        try {
          this.options.onRetry?.({ operation, attempt: attempt + 1, delayMs, error: classified.error });
        } catch {
          // observers never break a request
        }
        await this.sleep(delayMs);
      }
    }
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RagError({ code: 'cancelled' }, { cause: signal.reason });
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new RagError({ code: 'cancelled' }, { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
