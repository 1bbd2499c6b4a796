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
  // The attributes of each operation are built once, not per call.
  const attributesOf = (operation: string, extra: Attributes = {}): Attributes => ({ ...base, [ATTR.dbOperationName]: operation, ...extra });
  const span = <T>(name: string, attributes: Attributes, fn: () => Promise<T>, rows?: (value: T) => number) =>
    withSpan(name, { kind: SpanKind.CLIENT, attributes, ...tracer }, fn, rows ? (active, value) => active.setAttribute(ATTR.dbResponseReturnedRows, rows(value)) : undefined);
  const named = (operation: string) => `${operation} ${options.collection}`;
  const names = {
    ensureReady: named('ensure_ready'),
    upsert: named('upsert'),
    query: `retrieval ${options.collection}`,
    getParents: named('get_parents'),
    getFileParents: named('get_file_parents'),
    deleteFile: named('delete_file'),
    listFiles: named('list_files'),
    stats: named('stats'),
  };
  const fixed = {
    ensureReady: attributesOf('ensure_ready'),
    getParents: attributesOf('get_parents'),
    getFileParents: attributesOf('get_file_parents'),
    deleteFile: attributesOf('delete_file'),
    listFiles: attributesOf('list_files'),
    stats: attributesOf('stats'),
  };
  const queryAttributes = { hybrid: attributesOf('query', { [ATTR.retrievalMode]: 'hybrid' }), sparse: attributesOf('query', { [ATTR.retrievalMode]: 'sparse' }) };
  const countOf = (items: readonly unknown[]) => items.length;

  const wrapped: VectorStore = {
    ensureReady: (readyOptions) => span(names.ensureReady, fixed.ensureReady, () => inner.ensureReady(readyOptions)),
    upsert: (batch, signal) => span(names.upsert, attributesOf('upsert', { 'db.operation.batch.size': batch.chunks.length }), () => inner.upsert(batch, signal)),
    query: (query) =>
      span(
        names.query,
        { ...queryAttributes[query.dense ? 'hybrid' : 'sparse'], [ATTR.retrievalLimit]: query.limit ?? 30 },
        () => inner.query(query),
        countOf,
      ),
    getParents: (ownerId, ids, signal) => span(names.getParents, fixed.getParents, () => inner.getParents(ownerId, ids, signal), countOf),
    getFileParents: (ownerId, fileId, signal) => span(names.getFileParents, fixed.getFileParents, () => inner.getFileParents(ownerId, fileId, signal), countOf),
    deleteFile: (ownerId, fileId, signal) => span(names.deleteFile, fixed.deleteFile, () => inner.deleteFile(ownerId, fileId, signal)),
    listFiles: (ownerId, signal) => span(names.listFiles, fixed.listFiles, () => inner.listFiles(ownerId, signal), countOf),
    stats: (ownerId, signal) => span(names.stats, fixed.stats, () => inner.stats(ownerId, signal)),
  };
  const close = inner.close?.bind(inner);
  return close ? { ...wrapped, close } : wrapped;
}
