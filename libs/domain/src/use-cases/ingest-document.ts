import type { FileRecord, UploadedFile } from '../model/document';
import { FileId } from '../model/ids';
import { RagError, isRagError } from '../model/errors';
import type { Embedder } from '../ports/embedder.port';
import type { DocumentParsers } from '../ports/parser.port';
import type { Clock, FileRegistry, Hasher, TokenCounter } from '../ports/storage.port';
import type { IndexedChunk, VectorStore } from '../ports/vector-store.port';
import { chunkDocument } from '../logic/chunking';
import type { IngestDocument, IngestOptions, IngestProgress, IngestResult } from './types';

export interface IngestDeps {
  readonly parsers: DocumentParsers;
  readonly embedder: Embedder;
  readonly store: VectorStore;
  readonly registry: FileRegistry;
  readonly hasher: Hasher;
  readonly clock: Clock;
  readonly tokenCounter: TokenCounter;
  /** Largest accepted upload in bytes (checked before parsing). Telegram bots can download 20 MB. */
  readonly maxFileBytes?: number;
  /** Children embedded and written per batch (default 32). */
  readonly embedBatchSize?: number;
  readonly parentTokens?: number;
  readonly childTokens?: number;
  readonly childOverlap?: number;
}

/** Defaults of `makeIngestDocument`: 20 MB is what the cloud Bot API lets a bot download. */
export const INGEST_DEFAULTS = { maxFileBytes: 20 * 1024 * 1024, embedBatchSize: 32 } as const;

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RagError({ code: 'cancelled' }, { cause: signal.reason });
}

/** A failure caused by the abort signal becomes `RagError('cancelled')`; others pass unchanged. */
function asCancelled(error: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted && !isRagError(error)) return new RagError({ code: 'cancelled' }, { cause: error });
  return error;
}

/**
 * Ingestion: size check -> hash -> dedupe per owner -> parse -> chunk -> embed in batches ->
 * upsert -> register. Crash-safe and idempotent: the file is registered `indexing` before any
 * point is written, any points of the same file id are removed first (a retry after a crash starts
 * clean), and a failure removes the file's points and record before rethrowing. A record that
 * stays `indexing` (the process died mid-way) is swept by `makeRecoverIncompleteIngestions`.
 */
export function makeIngestDocument(deps: IngestDeps): IngestDocument {
  const maxFileBytes = deps.maxFileBytes ?? INGEST_DEFAULTS.maxFileBytes;
  const batchSize = deps.embedBatchSize ?? INGEST_DEFAULTS.embedBatchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`embedBatchSize must be a positive integer, got ${batchSize}`);
  const inFlight = new Map<string, Promise<IngestResult>>();
  let ready: Promise<void> | undefined;
  // The store's collections are created once, with the embedder's dimension (undefined = sparse only).
  const ensureReady = (signal?: AbortSignal) =>
    (ready ??= deps.embedder
      .describe(signal)
      .then((info) => deps.store.ensureReady(info.dimension === undefined ? {} : { dimension: info.dimension }))
      .catch((error: unknown) => {
        ready = undefined;
        throw error;
      }));

  return async (file: UploadedFile, options: IngestOptions = {}): Promise<IngestResult> => {
    const { signal } = options;
    const progress = (p: IngestProgress) => {
      try {
        options.onProgress?.(p);
      } catch {
        // A progress observer (a chat message edit) must not break ingestion.
      }
    };
    checkAborted(signal);
    if (file.bytes.length === 0) throw new RagError({ code: 'empty_file' });
    if (file.bytes.length > maxFileBytes) throw new RagError({ code: 'file_too_large', sizeBytes: file.bytes.length, limitBytes: maxFileBytes });

    const sha256 = await deps.hasher.sha256(file.bytes);
    const key = `${file.ownerId}\u0000${sha256}`;
    // The same file sent twice at once (an impatient user): the second waits for the first.
    const running = inFlight.get(key);
    if (running) return { status: 'duplicate', file: (await running).file };
    const work = (async (): Promise<IngestResult> => {
      const existing = await deps.registry.findBySha256(file.ownerId, sha256);
      // An `indexing` record that no run here is working on is a leftover of a failed cleanup: redo it.
      if (existing?.status === 'ready') return { status: 'duplicate', file: existing };
      return ingest(file, sha256, options, progress);
    })();
    inFlight.set(key, work);
    try {
      return await work;
    } finally {
      inFlight.delete(key);
    }
  };

  async function ingest(file: UploadedFile, sha256: string, options: IngestOptions, progress: (p: IngestProgress) => void): Promise<IngestResult> {
    const { signal } = options;

    const format = deps.parsers.detect(file.bytes, file.name);
    const fileId = FileId.of(file.ownerId, sha256);
    const base: FileRecord = {
      fileId,
      ownerId: file.ownerId,
      name: file.name,
      format,
      sha256,
      sizeBytes: file.bytes.length,
      parentCount: 0,
      chunkCount: 0,
      status: 'indexing',
      createdAt: deps.clock.now(),
    };
    await deps.registry.put(base);
    try {
      progress({ stage: 'parsing' });
      const parsed = await deps.parsers.parse(file.bytes, { fileName: file.name, ...(signal ? { signal } : {}) });
      checkAborted(signal);

      progress({ stage: 'chunking' });
      const { parents, children } = chunkDocument(parsed, {
        tokenCounter: deps.tokenCounter,
        fileId,
        ownerId: file.ownerId,
        fileName: file.name,
        ...(deps.parentTokens === undefined ? {} : { parentTokens: deps.parentTokens }),
        ...(deps.childTokens === undefined ? {} : { childTokens: deps.childTokens }),
        ...(deps.childOverlap === undefined ? {} : { childOverlap: deps.childOverlap }),
      });
      if (children.length === 0) throw new RagError({ code: 'no_text', format: parsed.format });
      progress({ stage: 'chunking', done: children.length, total: children.length });

      await ensureReady(signal);
      // A previous attempt for the same bytes may have left points behind: start from nothing.
      await deps.store.deleteFile(file.ownerId, fileId, signal);

      progress({ stage: 'embedding', done: 0, total: children.length });
      for (let start = 0; start < children.length; start += batchSize) {
        checkAborted(signal);
        const batch = children.slice(start, start + batchSize);
        const embeddings = await deps.embedder.embed(
          batch.map((c) => c.text),
          { kind: 'document', ...(signal ? { signal } : {}) },
        );
        if (embeddings.length !== batch.length) {
          throw new RagError({ code: 'dependency_unavailable', dependency: 'ml-api' }, { message: `embedder returned ${embeddings.length} embeddings for ${batch.length} texts` });
        }
        const done = start + batch.length;
        progress({ stage: 'embedding', done, total: children.length });
        // Lengths are equal (checked above), so every chunk gets its embedding.
        const chunks: IndexedChunk[] = batch.flatMap((chunk, i) => {
          const embedding = embeddings[i];
          return embedding ? [{ chunk, embedding }] : [];
        });
        // Parents go with the first batch, so a child is never stored before its parent.
        await deps.store.upsert({ chunks, parents: start === 0 ? parents : [] }, signal);
        progress({ stage: 'storing', done, total: children.length });
      }

      checkAborted(signal);
      const record: FileRecord = { ...base, format: parsed.format, parentCount: parents.length, chunkCount: children.length, status: 'ready' };
      await deps.registry.put(record);
      progress({ stage: 'done', done: children.length, total: children.length });
      return { status: 'indexed', file: record };
    } catch (error) {
      await cleanUp(deps, base);
      throw asCancelled(error, signal);
    }
  }
}

/** Best-effort removal of a failed ingestion's points and record; the original error wins. */
async function cleanUp(deps: Pick<IngestDeps, 'store' | 'registry'>, record: FileRecord): Promise<void> {
  try {
    await deps.store.deleteFile(record.ownerId, record.fileId);
  } catch {
    // The record stays `indexing` below if the store is down, so recovery retries the delete.
    return;
  }
  try {
    await deps.registry.remove(record.ownerId, record.fileId);
  } catch {
    // Left `indexing`: swept by recovery on the next start.
  }
}

export interface RecoveryReport {
  /** Records removed together with their points. */
  readonly recovered: readonly FileRecord[];
  /** Records whose cleanup failed (left for the next run), with the error. */
  readonly failed: readonly { readonly file: FileRecord; readonly error: unknown }[];
}

/**
 * Cleans ingestions interrupted by a crash: every record still `indexing` loses its points and its
 * record, so the user can simply send the file again. Run once at start-up, before serving.
 */
export function makeRecoverIncompleteIngestions(deps: Pick<IngestDeps, 'store' | 'registry'>): () => Promise<RecoveryReport> {
  return async () => {
    const recovered: FileRecord[] = [];
    const failed: { file: FileRecord; error: unknown }[] = [];
    for (const file of await deps.registry.listIncomplete()) {
      try {
        await deps.store.deleteFile(file.ownerId, file.fileId);
        await deps.registry.remove(file.ownerId, file.fileId);
        recovered.push(file);
      } catch (error) {
        failed.push({ file, error });
      }
    }
    return { recovered, failed };
  };
}
