import type { VectorStore } from '@docrag/domain';
import { SpanKind, type Attributes, type Tracer } from '@opentelemetry/api';
import { ATTR } from '../attributes';
import { withSpan } from '../tracing';

export interface TraceVectorStoreOptions {
  /** `db.system.name`: `qdrant`, or `sqlite` for the embedded store. */
  readonly system: string;
  /** `db.collection.name` (Qdrant collection, or the embedded store's table/file name). */
  readonly collection: string;
  readonly serverAddress?: string;
  readonly tracer?: Tracer;
}

/**
 * Wraps a VectorStore so every call is a CLIENT span with the database semconv attributes.
 * Queries are named `retrieval <collection>`; other calls `<operation> <collection>` (the DB
 * semconv span name). Owner ids and vectors are never recorded.
 */
export function traceVectorStore(inner: VectorStore, options: TraceVectorStoreOptions): VectorStore {
  const base: Attributes = {
    [ATTR.dbSystemName]: options.system,
    [ATTR.dbCollectionName]: options.collection,
    ...(options.serverAddress ? { [ATTR.serverAddress]: options.serverAddress } : {}),
  };
  const tracer = options.tracer ? { tracer: options.tracer } : {};
  const span = <T>(operation: string, name: string, extra: Attributes, fn: () => Promise<T>, rows?: (value: T) => number) =>
    withSpan(
      name,
      { kind: SpanKind.CLIENT, attributes: { ...base, [ATTR.dbOperationName]: operation, ...extra }, ...tracer },
      async (active) => {
        const value = await fn();
        if (rows) active.setAttribute(ATTR.dbResponseReturnedRows, rows(value));
        return value;
      },
    );
  const named = (operation: string) => `${operation} ${options.collection}`;

  const wrapped: VectorStore = {
    ensureReady: (readyOptions) => span('ensure_ready', named('ensure_ready'), {}, () => inner.ensureReady(readyOptions)),
    upsert: (batch, signal) =>
      span('upsert', named('upsert'), { 'db.operation.batch.size': batch.chunks.length }, () => inner.upsert(batch, signal)),
    query: (query) =>
      span(
        'query',
        `retrieval ${options.collection}`,
        {
          [ATTR.retrievalMode]: query.dense ? 'hybrid' : 'sparse',
          [ATTR.retrievalLimit]: query.limit ?? 30,
        },
        () => inner.query(query),
        (results) => results.length,
      ),
    getParents: (ownerId, ids, signal) =>
      span('get_parents', named('get_parents'), {}, () => inner.getParents(ownerId, ids, signal), (parents) => parents.length),
    getFileParents: (ownerId, fileId, signal) =>
      span('get_file_parents', named('get_file_parents'), {}, () => inner.getFileParents(ownerId, fileId, signal), (parents) => parents.length),
    deleteFile: (ownerId, fileId, signal) => span('delete_file', named('delete_file'), {}, () => inner.deleteFile(ownerId, fileId, signal)),
    listFiles: (ownerId, signal) => span('list_files', named('list_files'), {}, () => inner.listFiles(ownerId, signal), (files) => files.length),
    stats: (ownerId, signal) => span('stats', named('stats'), {}, () => inner.stats(ownerId, signal)),
  };
  const close = inner.close?.bind(inner);
  return close ? { ...wrapped, close } : wrapped;
}
