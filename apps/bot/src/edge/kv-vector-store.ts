/**
 * A VectorStore on Deno KV, for edge deployments without Qdrant. Search is exhaustive over the
 * owner's chunks (KV has no vector index): BM25-weighted sparse dot product (IDF computed from the
 * owner's chunks at query time, as Qdrant's `modifier: idf` does) and cosine for dense vectors,
 * fused by RRF. That is fine for personal libraries of a few thousand chunks; larger deployments set
 * QDRANT_URL. Imports no Node module.
 */
import type {
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
import type { KvKey, KvLike } from '../storage/deno-kv-bot-storage';

/** Deno KV allows 1000 mutations per atomic operation; batches stay well below, and below the 800 KiB total. */
const WRITE_BATCH = 64;

interface Meta {
  readonly dimension?: number;
}

/** Where a parent lives: its id is `<fileId>#p<n>` (domain/model/ids.ts). */
function fileOfParent(id: ParentId): string {
  const hash = id.lastIndexOf('#');
  return hash < 0 ? id : id.slice(0, hash);
}

function bm25Idf(documents: number, containing: number): number {
  return Math.log(1 + (documents - containing + 0.5) / (containing + 0.5));
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export class KvVectorStore implements VectorStore {
  constructor(
    private readonly kv: KvLike,
    private readonly root = 'docrag',
  ) {}

  private key(...parts: string[]): KvKey {
    return [this.root, ...parts];
  }

  async ensureReady(options: { dimension?: number; signal?: AbortSignal }): Promise<void> {
    const meta = (await this.kv.get<Meta>(this.key('meta'))).value;
    if (meta) {
      if (options.dimension !== undefined && meta.dimension !== undefined && meta.dimension !== options.dimension) {
        throw new RagError(
          { code: 'invalid_input', reason: `the edge store holds ${meta.dimension}-dimension vectors but the embedder makes ${options.dimension}` },
        );
      }
      if (options.dimension !== undefined && meta.dimension === undefined) await this.kv.set(this.key('meta'), { dimension: options.dimension });
      return;
    }
    await this.kv.set(this.key('meta'), options.dimension === undefined ? {} : { dimension: options.dimension });
  }

  async upsert(batch: { chunks: readonly IndexedChunk[]; parents: readonly ParentChunk[] }, signal?: AbortSignal): Promise<void> {
    const writes: Array<[KvKey, unknown]> = [
      ...batch.parents.map((p): [KvKey, unknown] => [this.key('parent', p.ownerId, p.fileId, p.id), p]),
      ...batch.chunks.map((c): [KvKey, unknown] => [this.key('chunk', c.chunk.ownerId, c.chunk.fileId, c.chunk.id), c]),
    ];
    for (let i = 0; i < writes.length; i += WRITE_BATCH) {
      if (signal?.aborted) throw new RagError({ code: 'cancelled' });
      const op = this.kv.atomic();
      for (const [key, value] of writes.slice(i, i + WRITE_BATCH)) op.set(key, value);
      const result = await op.commit();
      if (!result.ok) throw new RagError({ code: 'dependency_unavailable', dependency: 'vector-store' }, { message: 'Deno KV refused a write batch' });
    }
  }

  private async *chunks(ownerId: OwnerId, fileId?: FileId): AsyncIterable<IndexedChunk> {
    const prefix = fileId === undefined ? this.key('chunk', ownerId) : this.key('chunk', ownerId, fileId);
    for await (const entry of this.kv.list<IndexedChunk>({ prefix })) yield entry.value;
  }

  async query(query: HybridQuery): Promise<ScoredChunk[]> {
    const limit = query.limit ?? 30;
    const files = query.fileIds ? new Set<string>(query.fileIds) : undefined;
    const all: IndexedChunk[] = [];
    for await (const item of this.chunks(query.ownerId)) {
      if (query.signal?.aborted) throw new RagError({ code: 'cancelled' });
      if (!files || files.has(item.chunk.fileId)) all.push(item);
    }
    if (all.length === 0) return [];

    const sparse = this.sparseRanking(all, query.sparse);
    const lists = [sparse];
    if (query.dense) {
      const dense = query.dense;
      lists.push(
        all
          .filter((c) => c.embedding.dense !== undefined)
          .map((c) => ({ chunk: c.chunk, score: cosine(dense, c.embedding.dense ?? []) }))
          .sort((a, b) => b.score - a.score)
          .slice(0, limit),
      );
    }
    return reciprocalRankFusion(lists, { key: (hit) => hit.chunk.id, limit }).map((f) => ({ chunk: f.item.chunk, score: f.score }));
  }

  private sparseRanking(all: readonly IndexedChunk[], query: SparseVector): ScoredChunk[] {
    const wanted = new Map<number, number>();
    query.indices.forEach((id, i) => wanted.set(id, query.values[i] ?? 0));
    const df = new Map<number, number>();
    for (const item of all) for (const id of item.embedding.sparse.indices) if (wanted.has(id)) df.set(id, (df.get(id) ?? 0) + 1);
    const hits: ScoredChunk[] = [];
    for (const item of all) {
      const { indices, values } = item.embedding.sparse;
      let score = 0;
      for (let i = 0; i < indices.length; i++) {
        const id = indices[i] ?? -1;
        const q = wanted.get(id);
        if (q !== undefined) score += q * (values[i] ?? 0) * bm25Idf(all.length, df.get(id) ?? 0);
      }
      if (score > 0) hits.push({ chunk: item.chunk, score });
    }
    return hits.sort((a, b) => b.score - a.score || (a.chunk.id < b.chunk.id ? -1 : 1));
  }

  async getParents(ownerId: OwnerId, ids: readonly ParentId[]): Promise<ParentChunk[]> {
    const out: ParentChunk[] = [];
    for (const id of ids) {
      const parent = (await this.kv.get<ParentChunk>(this.key('parent', ownerId, fileOfParent(id), id))).value;
      if (parent) out.push(parent);
    }
    return out;
  }

  async getFileParents(ownerId: OwnerId, fileId: FileId): Promise<ParentChunk[]> {
    const out: ParentChunk[] = [];
    for await (const entry of this.kv.list<ParentChunk>({ prefix: this.key('parent', ownerId, fileId) })) out.push(entry.value);
    return out.sort((a, b) => a.index - b.index);
  }

  async deleteFile(ownerId: OwnerId, fileId: FileId): Promise<number> {
    const keys: KvKey[] = [];
    let chunks = 0;
    for await (const entry of this.kv.list({ prefix: this.key('chunk', ownerId, fileId) })) {
      keys.push(entry.key);
      chunks++;
    }
    for await (const entry of this.kv.list({ prefix: this.key('parent', ownerId, fileId) })) keys.push(entry.key);
    for (let i = 0; i < keys.length; i += WRITE_BATCH) {
      const op = this.kv.atomic();
      for (const key of keys.slice(i, i + WRITE_BATCH)) op.delete(key);
      await op.commit();
    }
    return chunks;
  }

  async listFiles(ownerId: OwnerId): Promise<StoredFile[]> {
    const files = new Map<string, { chunkCount: number; parentCount: number }>();
    const slot = (id: string) => {
      let counts = files.get(id);
      if (!counts) files.set(id, (counts = { chunkCount: 0, parentCount: 0 }));
      return counts;
    };
    for await (const entry of this.kv.list({ prefix: this.key('chunk', ownerId) })) slot(String(entry.key[3])).chunkCount++;
    for await (const entry of this.kv.list({ prefix: this.key('parent', ownerId) })) slot(String(entry.key[3])).parentCount++;
    return [...files].map(([fileId, counts]) => ({ fileId: fileId as FileId, ...counts }));
  }

  async stats(ownerId?: OwnerId): Promise<StoreStats> {
    const fileIds = new Set<string>();
    let chunks = 0;
    let parents = 0;
    const chunkPrefix = ownerId === undefined ? this.key('chunk') : this.key('chunk', ownerId);
    const parentPrefix = ownerId === undefined ? this.key('parent') : this.key('parent', ownerId);
    for await (const entry of this.kv.list({ prefix: chunkPrefix })) {
      chunks++;
      fileIds.add(`${String(entry.key[2])}/${String(entry.key[3])}`);
    }
    for await (const entry of this.kv.list({ prefix: parentPrefix })) {
      parents++;
      fileIds.add(`${String(entry.key[2])}/${String(entry.key[3])}`);
    }
    const meta = (await this.kv.get<Meta>(this.key('meta'))).value;
    return {
      chunks,
      parents,
      files: fileIds.size,
      ...(meta?.dimension !== undefined ? { dimension: meta.dimension } : {}),
      details: { backend: 'deno-kv' },
    };
  }
}
