import type {
  ChildChunk,
  FileId,
  HybridQuery,
  IndexedChunk,
  OwnerId,
  ParentChunk,
  ParentId,
  ScoredChunk,
  SparseVector,
  StoredFile,
  StoreStats,
  VectorStore,
} from '@docrag/domain';
import { RagError, reciprocalRankFusion } from '@docrag/domain';
import { cosine, throwIfAborted } from './text';


/**
 * A real (if slow) hybrid store in memory: sparse dot product with IDF applied at query time (as
 * Qdrant's `modifier: idf`), dense cosine, both fused by RRF, and every read filtered by owner.
 * Passes `runVectorStoreContract`; use it wherever a test needs a store.
 */
export class InMemoryVectorStore implements VectorStore {
  private readonly chunks = new Map<string, IndexedChunk>();
  private readonly parents = new Map<string, ParentChunk>();
  private dimension: number | undefined;
  private ready = false;
  /** Set to make every call reject (simulates the store going down). */
  failWith: Error | undefined;
  /** Every query received, for assertions on owner scoping. */
  readonly queries: HybridQuery[] = [];

  async ensureReady(options: { dimension?: number; signal?: AbortSignal }): Promise<void> {
    this.check(options.signal);
    if (this.ready && this.dimension !== options.dimension && options.dimension !== undefined && this.dimension !== undefined) {
      throw new RagError({ code: 'invalid_input', reason: `store has dimension ${this.dimension}, embedder has ${options.dimension}` });
    }
    this.dimension ??= options.dimension;
    this.ready = true;
  }

  async upsert(batch: { chunks: readonly IndexedChunk[]; parents: readonly ParentChunk[] }, signal?: AbortSignal): Promise<void> {
    this.check(signal);
    for (const item of batch.chunks) {
      const dense = item.embedding.dense;
      if (dense && this.dimension !== undefined && dense.length !== this.dimension) {
        throw new RagError({ code: 'invalid_input', reason: `dense vector has ${dense.length} dimensions, store has ${this.dimension}` });
      }
    }
    for (const item of batch.chunks) this.chunks.set(item.chunk.id, item);
    for (const parent of batch.parents) this.parents.set(parent.id, parent);
  }

  async query(query: HybridQuery): Promise<ScoredChunk[]> {
    this.check(query.signal);
    this.queries.push(query);
    const files = query.fileIds ? new Set<string>(query.fileIds) : undefined;
    const candidates = [...this.chunks.values()].filter(
      (c) => c.chunk.ownerId === query.ownerId && (!files || files.has(c.chunk.fileId)),
    );
    const lists: IndexedChunk[][] = [this.sparseRanking(query.sparse, candidates)];
    if (query.dense && this.dimension !== undefined) {
      const dense = query.dense;
      lists.push(
        candidates
          .filter((c) => c.embedding.dense)
          .map((c) => ({ c, s: cosine(dense, c.embedding.dense!) }))
          .sort((a, b) => b.s - a.s)
          .map((x) => x.c),
      );
    }
    return reciprocalRankFusion(lists, { key: (c) => c.chunk.id, limit: query.limit ?? 30 }).map((f) => ({
      chunk: f.item.chunk,
      score: f.score,
    }));
  }

  private sparseRanking(query: SparseVector, candidates: readonly IndexedChunk[]): IndexedChunk[] {
    // IDF over the whole store, like Qdrant's collection-level statistics.
    const total = this.chunks.size;
    const df = new Map<number, number>();
    for (const id of query.indices) df.set(id, 0);
    for (const c of this.chunks.values()) for (const id of c.embedding.sparse.indices) if (df.has(id)) df.set(id, df.get(id)! + 1);
    const idf = (id: number) => Math.log(1 + (total - df.get(id)! + 0.5) / (df.get(id)! + 0.5));
    const weights = new Map<number, number>();
    query.indices.forEach((id, i) => weights.set(id, query.values[i]! * idf(id)));
    return candidates
      .map((c) => {
        let score = 0;
        c.embedding.sparse.indices.forEach((id, i) => {
          const w = weights.get(id);
          if (w !== undefined) score += w * c.embedding.sparse.values[i]!;
        });
        return { c, score };
      })
      .filter((x) => x.score > 0)
      .sort((a, b) => b.score - a.score)
      .map((x) => x.c);
  }

  async getParents(ownerId: OwnerId, ids: readonly ParentId[], signal?: AbortSignal): Promise<ParentChunk[]> {
    this.check(signal);
    return ids.map((id) => this.parents.get(id)).filter((p): p is ParentChunk => p !== undefined && p.ownerId === ownerId);
  }

  async getFileParents(ownerId: OwnerId, fileId: FileId, signal?: AbortSignal): Promise<ParentChunk[]> {
    this.check(signal);
    return [...this.parents.values()]
      .filter((p) => p.ownerId === ownerId && p.fileId === fileId)
      .sort((a, b) => a.index - b.index);
  }

  async deleteFile(ownerId: OwnerId, fileId: FileId, signal?: AbortSignal): Promise<number> {
    this.check(signal);
    let removed = 0;
    for (const [id, c] of this.chunks) {
      if (c.chunk.ownerId === ownerId && c.chunk.fileId === fileId) {
        this.chunks.delete(id);
        removed++;
      }
    }
    for (const [id, p] of this.parents) if (p.ownerId === ownerId && p.fileId === fileId) this.parents.delete(id);
    return removed;
  }

  async listFiles(ownerId: OwnerId, signal?: AbortSignal): Promise<StoredFile[]> {
    this.check(signal);
    const files = new Map<FileId, { chunkCount: number; parentCount: number }>();
    const entry = (id: FileId) => files.get(id) ?? files.set(id, { chunkCount: 0, parentCount: 0 }).get(id)!;
    for (const c of this.chunks.values()) if (c.chunk.ownerId === ownerId) entry(c.chunk.fileId).chunkCount++;
    for (const p of this.parents.values()) if (p.ownerId === ownerId) entry(p.fileId).parentCount++;
    return [...files].map(([fileId, counts]) => ({ fileId, ...counts }));
  }

  async stats(ownerId?: OwnerId, signal?: AbortSignal): Promise<StoreStats> {
    this.check(signal);
    const chunks = [...this.chunks.values()].map((c) => c.chunk).filter((c: ChildChunk) => !ownerId || c.ownerId === ownerId);
    const parents = [...this.parents.values()].filter((p) => !ownerId || p.ownerId === ownerId);
    const files = new Set<string>([...chunks.map((c) => c.fileId), ...parents.map((p) => p.fileId)]);
    return {
      chunks: chunks.length,
      parents: parents.length,
      files: files.size,
      ...(this.dimension === undefined ? {} : { dimension: this.dimension }),
      details: { backend: 'memory' },
    };
  }

  async close(): Promise<void> {
    this.chunks.clear();
    this.parents.clear();
  }

  private check(signal: AbortSignal | undefined): void {
    throwIfAborted(signal);
    if (this.failWith) throw this.failWith;
  }
}
