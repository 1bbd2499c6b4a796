/**
 * A VectorStore on Deno KV, for edge deployments without Qdrant. Search is exhaustive over the
 * owner's chunks (KV has no vector index): BM25-weighted sparse dot product (IDF computed from the
 * owner's chunks at query time, as Qdrant's `modifier: idf` does) and cosine for dense vectors,
 * fused by RRF. That is fine for personal libraries of a few thousand chunks; larger deployments set
 * QDRANT_URL. Imports no Node module.
 */
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
import type { KvKey, KvLike } from '../storage/deno-kv-bot-storage';

/** Deno KV allows 1000 mutations per atomic operation; batches stay well below, and below the 800 KiB total. */
const WRITE_BATCH = 64;

interface Meta {
  readonly dimension?: number;
}

/**
 * Vectors are stored apart from the chunk text, as typed arrays: a query reads (and deserialises)
 * only the vectors of every chunk, and the text of the few it returns. Typed arrays go through
 * KV's V8 serialisation as raw bytes instead of one JS number at a time.
 */
interface PackedVectors {
  readonly i: Uint32Array;
  readonly w: Float32Array;
  readonly d?: Float32Array;
}

function pack(embedding: IndexedChunk['embedding']): PackedVectors {
  return {
    i: Uint32Array.from(embedding.sparse.indices),
    w: Float32Array.from(embedding.sparse.values),
    ...(embedding.dense ? { d: Float32Array.from(embedding.dense) } : {}),
  };
}

interface Candidate {
  readonly fileId: string;
  readonly chunkId: string;
  readonly vectors: PackedVectors;
}

/** Where a parent lives: its id is `<fileId>#p<n>` (domain/model/ids.ts). */
function fileOfParent(id: ParentId): string {
  const hash = id.lastIndexOf('#');
  return hash < 0 ? id : id.slice(0, hash);
}

function bm25Idf(documents: number, containing: number): number {
  return Math.log(1 + (documents - containing + 0.5) / (containing + 0.5));
}

function cosine(query: Float32Array, queryNorm: number, doc: Float32Array): number {
  let dot = 0;
  let norm = 0;
  const n = Math.min(query.length, doc.length);
  for (let i = 0; i < n; i++) {
    const y = doc[i] as number;
    dot += (query[i] as number) * y;
    norm += y * y;
  }
  return queryNorm === 0 || norm === 0 ? 0 : dot / Math.sqrt(queryNorm * norm);
}

/** Keeps the best `limit` hits (a full sort of every chunk would cost more than the scoring). */
function topK<T extends { score: number }>(hits: T[], limit: number): T[] {
  return hits.sort((a, b) => b.score - a.score).slice(0, limit);
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
    const writes: Array<[KvKey, unknown]> = [...batch.parents.map((p): [KvKey, unknown] => [this.key('parent', p.ownerId, p.fileId, p.id), p])];
    for (const { chunk, embedding } of batch.chunks) {
      writes.push([this.key('chunk', chunk.ownerId, chunk.fileId, chunk.id), chunk]);
      writes.push([this.key('vec', chunk.ownerId, chunk.fileId, chunk.id), pack(embedding)]);
    }
    for (let i = 0; i < writes.length; i += WRITE_BATCH) {
      if (signal?.aborted) throw new RagError({ code: 'cancelled' });
      const op = this.kv.atomic();
      for (const [key, value] of writes.slice(i, i + WRITE_BATCH)) op.set(key, value);
      const result = await op.commit();
      if (!result.ok) throw new RagError({ code: 'dependency_unavailable', dependency: 'vector-store' }, { message: 'Deno KV refused a write batch' });
    }
  }

  async query(query: HybridQuery): Promise<ScoredChunk[]> {
    const limit = query.limit ?? 30;
    const files = query.fileIds ? new Set<string>(query.fileIds) : undefined;
    const candidates: Candidate[] = [];
    for await (const entry of this.kv.list<PackedVectors>({ prefix: this.key('vec', query.ownerId) })) {
      if (query.signal?.aborted) throw new RagError({ code: 'cancelled' });
      const fileId = String(entry.key[3]);
      if (!files || files.has(fileId)) candidates.push({ fileId, chunkId: String(entry.key[4]), vectors: entry.value });
    }
    if (candidates.length === 0) return [];

    type Hit = { readonly candidate: Candidate; readonly score: number };
    const lists: Hit[][] = [this.sparseRanking(candidates, query.sparse, limit)];
    if (query.dense) {
      const q = Float32Array.from(query.dense);
      const qNorm = q.reduce((sum, v) => sum + v * v, 0);
      const dense: Hit[] = [];
      for (const candidate of candidates) {
        if (candidate.vectors.d) dense.push({ candidate, score: cosine(q, qNorm, candidate.vectors.d) });
      }
      lists.push(topK(dense, limit));
    }
    const fused = reciprocalRankFusion(lists, { key: (hit) => hit.candidate.chunkId, limit });
    const chunks = await Promise.all(
      fused.map(({ item }) => this.kv.get<ChildChunk>(this.key('chunk', query.ownerId, item.candidate.fileId, item.candidate.chunkId))),
    );
    const out: ScoredChunk[] = [];
    fused.forEach((f, i) => {
      const chunk = chunks[i]?.value;
      if (chunk) out.push({ chunk, score: f.score });
    });
    return out;
  }

  private sparseRanking(candidates: readonly Candidate[], query: SparseVector, limit: number): Array<{ candidate: Candidate; score: number }> {
    const wanted = new Map<number, number>();
    query.indices.forEach((id, i) => wanted.set(id, query.values[i] ?? 0));
    const df = new Map<number, number>();
    for (const { vectors } of candidates) for (const id of vectors.i) if (wanted.has(id)) df.set(id, (df.get(id) ?? 0) + 1);
    const idf = new Map([...df].map(([id, count]) => [id, bm25Idf(candidates.length, count)]));
    const hits: Array<{ candidate: Candidate; score: number }> = [];
    for (const candidate of candidates) {
      const { i: indices, w: values } = candidate.vectors;
      let score = 0;
      for (let k = 0; k < indices.length; k++) {
        const id = indices[k] as number;
        const q = wanted.get(id);
        if (q !== undefined) score += q * (values[k] as number) * (idf.get(id) ?? 0);
      }
      if (score > 0) hits.push({ candidate, score });
    }
    // Ties broken by chunk id so results are deterministic.
    return hits.sort((a, b) => b.score - a.score || (a.candidate.chunkId < b.candidate.chunkId ? -1 : 1)).slice(0, limit);
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
    for await (const entry of this.kv.list({ prefix: this.key('vec', ownerId, fileId) })) keys.push(entry.key);
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
