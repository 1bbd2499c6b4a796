import type { ScoredChunk } from '../model/answer';
import type { ChildChunk, ParentChunk } from '../model/document';
import type { FileId, OwnerId, ParentId } from '../model/ids';
import type { Embedding, SparseVector } from '../model/vectors';

export interface IndexedChunk {
  readonly chunk: ChildChunk;
  readonly embedding: Embedding;
}

export interface HybridQuery {
  /** Every query is scoped to one owner: no store may return another owner's chunks. */
  readonly ownerId: OwnerId;
  readonly dense?: readonly number[];
  readonly sparse: SparseVector;
  /** Fused result size (default 30, as in the original). */
  readonly limit?: number;
  /** Restrict to some of the owner's files. */
  readonly fileIds?: readonly FileId[];
  readonly signal?: AbortSignal;
}

export interface StoredFile {
  readonly fileId: FileId;
  readonly chunkCount: number;
  readonly parentCount: number;
}

export interface StoreStats {
  readonly chunks: number;
  readonly parents: number;
  readonly files: number;
  /** Dense dimension the store was created with, if any. */
  readonly dimension?: number;
  /** Free-form backend details (segments, status, on-disk size, ...). */
  readonly details?: Readonly<Record<string, number | string>>;
}

/**
 * Child chunks with their vectors, plus the parents they point to. Upserts are idempotent:
 * ids are deterministic, so writing the same file twice leaves one copy.
 */
export interface VectorStore {
  /** Creates collections/tables if needed. `dimension` undefined = sparse-only. Idempotent. */
  ensureReady(options: { dimension?: number; signal?: AbortSignal }): Promise<void>;
  upsert(batch: { chunks: readonly IndexedChunk[]; parents: readonly ParentChunk[] }, signal?: AbortSignal): Promise<void>;
  /** Dense + sparse search fused by RRF (sparse only when `dense` is absent), best first. */
  query(query: HybridQuery): Promise<ScoredChunk[]>;
  /** Parents by id, scoped to the owner; unknown ids are skipped. */
  getParents(ownerId: OwnerId, ids: readonly ParentId[], signal?: AbortSignal): Promise<ParentChunk[]>;
  /** All parents of one file in document order (for summaries). */
  getFileParents(ownerId: OwnerId, fileId: FileId, signal?: AbortSignal): Promise<ParentChunk[]>;
  /** Removes every chunk and parent of the file. Returns the number of chunks removed. */
  deleteFile(ownerId: OwnerId, fileId: FileId, signal?: AbortSignal): Promise<number>;
  listFiles(ownerId: OwnerId, signal?: AbortSignal): Promise<StoredFile[]>;
  /** Whole-store stats, or one owner's when given. */
  stats(ownerId?: OwnerId, signal?: AbortSignal): Promise<StoreStats>;
  close?(): Promise<void>;
}
