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
import type { Statement } from 'better-sqlite3';
import type { ChunkRow, ParentRow } from './codec';
import { decodeTerms, encodeDense, encodeTerms, rowToChunk, rowToParent } from './codec';
import type { SqliteDatabase } from './database';
import { guard } from './errors';
import type { Posting } from './posting-index';
import { PostingIndex } from './posting-index';

export interface SqliteVectorStoreOptions {
  readonly db: SqliteDatabase;
  /** Whether sqlite-vec is loaded into `db` (dense search needs it). */
  readonly vectorExtension: boolean;
  /**
   * Name of the sparse encoder (`EmbedderInfo.sparseModel`). Recorded on first use; a store written
   * by another encoder is refused, because its term ids and weights mean something else.
   */
  readonly sparseModel?: string;
  /**
   * Candidates taken from each of the dense and sparse rankings before fusion (at least the
   * requested limit). Default 100, the same prefetch depth the Qdrant adapter asks for.
   */
  readonly prefetchLimit?: number;
  /** Called by `close()`: `createSqliteStore` passes its own close, so closing the port closes the file. */
  readonly onClose?: () => Promise<void>;
}

const DEFAULT_LIMIT = 30;
/** sqlite-vec's KNN `k` ceiling (vec0 rejects larger k). */
const VEC_MAX_K = 4096;

/** Lucene/Qdrant BM25 IDF: ln(1 + (N − n + 0.5) / (n + 0.5)); never negative. */
export function bm25Idf(totalDocuments: number, documentFrequency: number): number {
  return Math.log(1 + (totalDocuments - documentFrequency + 0.5) / (documentFrequency + 0.5));
}

/**
 * The embedded default store: one SQLite file, no server.
 *
 * - Sparse: an inverted index (blocks of postings keyed by owner then term, `PostingIndex`) scored
 *   as Σ query_weight · idf(term) · doc_weight, with idf from store-wide document frequencies, which
 *   is what Qdrant computes for a sparse vector with `modifier: idf`.
 * - Dense: a sqlite-vec `vec0` table partitioned by owner, cosine distance, exact (brute-force) KNN.
 * - Hybrid: both rankings fused by RRF (k = 60), as the Qdrant path's Query API does.
 *
 * Every read is filtered by owner in SQL: the owner key is the leading column of the posting index
 * and the vec0 partition key, so another owner's rows are never even read.
 */
export class SqliteVectorStore implements VectorStore {
  private readonly db: SqliteDatabase;
  private readonly vectorExtension: boolean;
  private readonly sparseModel: string | undefined;
  private readonly prefetchLimit: number;
  private readonly onClose: (() => Promise<void>) | undefined;
  private dimension: number | undefined;
  private readonly sparseStatements = new Map<string, Statement>();
  private readonly stmt;
  private readonly postings: PostingIndex;

  constructor(options: SqliteVectorStoreOptions) {
    this.db = options.db;
    this.vectorExtension = options.vectorExtension;
    this.sparseModel = options.sparseModel;
    this.prefetchLimit = options.prefetchLimit ?? 100;
    this.onClose = options.onClose;
    const db = this.db;
    this.postings = new PostingIndex(db);
    this.stmt = {
      getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      ownerKey: db.prepare<[string], { owner_key: number }>('SELECT owner_key FROM owners WHERE owner_id = ?'),
      addOwner: db.prepare('INSERT INTO owners(owner_id) VALUES (?) ON CONFLICT(owner_id) DO NOTHING'),
      chunkByIdForDelete: db.prepare<[string], { rowid: number; owner_key: number; terms: Buffer; has_dense: number }>(
        'SELECT rowid, owner_key, terms, has_dense FROM chunks WHERE id = ?',
      ),
      chunksOfFile: db.prepare<[number, string], { rowid: number; owner_key: number; terms: Buffer; has_dense: number }>(
        'SELECT rowid, owner_key, terms, has_dense FROM chunks WHERE owner_key = ? AND file_id = ?',
      ),
      insertChunk: db.prepare(
        `INSERT INTO chunks(id, owner_key, file_id, parent_id, idx, file_name, text, token_count, heading_path, page_start, page_end, terms, has_dense)
         VALUES (@id, @owner_key, @file_id, @parent_id, @idx, @file_name, @text, @token_count, @heading_path, @page_start, @page_end, @terms, @has_dense)`,
      ),
      deleteChunk: db.prepare('DELETE FROM chunks WHERE rowid = ?'),
      incDf: db.prepare('INSERT INTO term_df(term, df) VALUES (?, 1) ON CONFLICT(term) DO UPDATE SET df = df + 1'),
      decDf: db.prepare('UPDATE term_df SET df = df - 1 WHERE term = ?'),
      dropZeroDf: db.prepare('DELETE FROM term_df WHERE term = ? AND df <= 0'),
      upsertParent: db.prepare(
        `INSERT INTO parents(id, owner_key, file_id, idx, file_name, text, token_count, heading_path, page_start, page_end)
         VALUES (@id, @owner_key, @file_id, @idx, @file_name, @text, @token_count, @heading_path, @page_start, @page_end)
         ON CONFLICT(id) DO UPDATE SET owner_key = excluded.owner_key, file_id = excluded.file_id, idx = excluded.idx,
           file_name = excluded.file_name, text = excluded.text, token_count = excluded.token_count,
           heading_path = excluded.heading_path, page_start = excluded.page_start, page_end = excluded.page_end`,
      ),
      deleteParentsOfFile: db.prepare('DELETE FROM parents WHERE owner_key = ? AND file_id = ?'),
      parentsOfFile: db.prepare<[string, number, string], ParentRow>(
        `SELECT rowid, id, ? AS owner_id, file_id, idx, file_name, text, token_count, heading_path, page_start, page_end
         FROM parents WHERE owner_key = ? AND file_id = ? ORDER BY idx`,
      ),
      parentById: db.prepare<[string, string, number], ParentRow>(
        `SELECT rowid, id, ? AS owner_id, file_id, idx, file_name, text, token_count, heading_path, page_start, page_end
         FROM parents WHERE id = ? AND owner_key = ?`,
      ),
      chunkCount: db.prepare<[], { n: number }>("SELECT value AS n FROM counters WHERE name = 'chunks'"),
      listFiles: db.prepare<[number, number], { file_id: string; chunks: number; parents: number }>(
        `SELECT file_id, SUM(c) AS chunks, SUM(p) AS parents FROM (
           SELECT file_id, COUNT(*) AS c, 0 AS p FROM chunks WHERE owner_key = ? GROUP BY file_id
           UNION ALL
           SELECT file_id, 0 AS c, COUNT(*) AS p FROM parents WHERE owner_key = ? GROUP BY file_id
         ) GROUP BY file_id ORDER BY file_id`,
      ),
    };
    const storedDimension = this.stmt.getMeta.get('dimension')?.value;
    this.dimension = storedDimension === undefined ? undefined : Number(storedDimension);
  }

  ensureReady(options: { dimension?: number; signal?: AbortSignal }): Promise<void> {
    return guard(options.signal, () => {
      const storedModel = this.stmt.getMeta.get('sparse_model')?.value;
      if (this.sparseModel !== undefined) {
        if (storedModel !== undefined && storedModel !== this.sparseModel) {
          throw new RagError({
            code: 'invalid_input',
            reason: `store was indexed with sparse encoder ${storedModel}, not ${this.sparseModel}; reindex into a new DATA_DIR`,
          });
        }
        if (storedModel === undefined) this.stmt.setMeta.run('sparse_model', this.sparseModel);
      }
      const wanted = options.dimension;
      if (wanted === undefined) return;
      if (!Number.isInteger(wanted) || wanted <= 0) throw new RagError({ code: 'invalid_input', reason: `dense dimension must be a positive integer, got ${wanted}` });
      if (this.dimension !== undefined) {
        if (this.dimension !== wanted) {
          throw new RagError({ code: 'invalid_input', reason: `store has dimension ${this.dimension}, embedder has ${wanted}` });
        }
        return;
      }
      if (!this.vectorExtension) {
        throw new RagError({ code: 'invalid_input', reason: 'dense vectors need the sqlite-vec extension, which could not be loaded on this platform' });
      }
      this.db.transaction(() => {
        // Partitioned by owner so a KNN scan reads only the asking owner's vectors.
        this.db.exec(
          `CREATE VIRTUAL TABLE IF NOT EXISTS chunk_vectors USING vec0(owner_key integer partition key, embedding float[${wanted}] distance_metric=cosine)`,
        );
        this.stmt.setMeta.run('dimension', String(wanted));
      })();
      this.dimension = wanted;
    });
  }

  upsert(batch: { chunks: readonly IndexedChunk[]; parents: readonly ParentChunk[] }, signal?: AbortSignal): Promise<void> {
    return guard(signal, () => {
      for (const item of batch.chunks) {
        this.validateSparse(item.embedding.sparse, item.chunk.id);
        const dense = item.embedding.dense;
        if (dense && this.dimension !== undefined && dense.length !== this.dimension) {
          throw new RagError({ code: 'invalid_input', reason: `dense vector has ${dense.length} dimensions, store has ${this.dimension}` });
        }
      }
      const insertVector =
        this.dimension === undefined ? undefined : this.db.prepare('INSERT INTO chunk_vectors(rowid, owner_key, embedding) VALUES (?, ?, ?)');
      // One transaction per batch: a crash leaves either the whole batch or none of it.
      this.db.transaction(() => {
        // Rewritten chunks are removed first (postings, IDF, vector), then everything is appended.
        for (const item of batch.chunks) {
          const existing = this.stmt.chunkByIdForDelete.get(item.chunk.id);
          if (existing) this.removeChunks([existing]);
        }
        const postings: Posting[] = [];
        for (const item of batch.chunks) {
          const { chunk, embedding } = item;
          const ownerKey = this.ownerKeyFor(chunk.ownerId, true)!;
          const hasDense = insertVector !== undefined && embedding.dense !== undefined;
          const { lastInsertRowid } = this.stmt.insertChunk.run({
            id: chunk.id,
            owner_key: ownerKey,
            file_id: chunk.fileId,
            parent_id: chunk.parentId,
            idx: chunk.index,
            file_name: chunk.fileName,
            text: chunk.text,
            token_count: chunk.tokenCount,
            heading_path: JSON.stringify(chunk.headingPath),
            page_start: chunk.pageStart ?? null,
            page_end: chunk.pageEnd ?? null,
            terms: encodeTerms(embedding.sparse.indices),
            has_dense: hasDense ? 1 : 0,
          });
          const rowid = Number(lastInsertRowid);
          embedding.sparse.indices.forEach((term, i) => {
            postings.push({ ownerKey, term, rowid, weight: embedding.sparse.values[i]! });
            this.stmt.incDf.run(term);
          });
          if (hasDense) insertVector.run(BigInt(rowid), BigInt(ownerKey), encodeDense(embedding.dense!));
        }
        this.postings.add(postings);
        for (const parent of batch.parents) {
          this.stmt.upsertParent.run({
            id: parent.id,
            owner_key: this.ownerKeyFor(parent.ownerId, true)!,
            file_id: parent.fileId,
            idx: parent.index,
            file_name: parent.fileName,
            text: parent.text,
            token_count: parent.tokenCount,
            heading_path: JSON.stringify(parent.headingPath),
            page_start: parent.pageStart ?? null,
            page_end: parent.pageEnd ?? null,
          });
        }
      }).immediate();
    });
  }

  query(query: HybridQuery): Promise<ScoredChunk[]> {
    return guard(query.signal, () => {
      const limit = query.limit ?? DEFAULT_LIMIT;
      if (!Number.isInteger(limit) || limit <= 0) throw new RagError({ code: 'invalid_input', reason: `query limit must be a positive integer, got ${limit}` });
      this.validateSparse(query.sparse, 'query');
      const ownerKey = this.ownerKeyFor(query.ownerId, false);
      if (ownerKey === undefined || (query.fileIds !== undefined && query.fileIds.length === 0)) return [];
      const depth = Math.max(limit, this.prefetchLimit);
      // Read both rankings from one snapshot, so a concurrent writer cannot skew IDF against postings.
      const read = this.db.transaction(() => {
        const lists: number[][] = [this.sparseRanking(ownerKey, query.sparse, depth, query.fileIds)];
        if (query.dense && this.dimension !== undefined) {
          if (query.dense.length !== this.dimension) {
            throw new RagError({ code: 'invalid_input', reason: `query vector has ${query.dense.length} dimensions, store has ${this.dimension}` });
          }
          lists.push(this.denseRanking(ownerKey, query.dense, depth, query.fileIds));
        }
        // The domain's RRF (k = 60), the same function the Qdrant path's fusion is checked against.
        const fused = reciprocalRankFusion(lists, { key: String, limit }).map((f) => ({ key: f.item, score: f.score }));
        const rows = this.chunkRows(fused.map((f) => f.key), query.ownerId);
        return fused.flatMap((f) => {
          const row = rows.get(f.key);
          return row ? [{ chunk: rowToChunk(row), score: f.score }] : [];
        });
      });
      return read.deferred();
    });
  }

  getParents(ownerId: OwnerId, ids: readonly ParentId[], signal?: AbortSignal): Promise<ParentChunk[]> {
    return guard(signal, () => {
      const ownerKey = this.ownerKeyFor(ownerId, false);
      if (ownerKey === undefined) return [];
      return ids.flatMap((id) => {
        const row = this.stmt.parentById.get(ownerId, id, ownerKey);
        return row ? [rowToParent(row)] : [];
      });
    });
  }

  getFileParents(ownerId: OwnerId, fileId: FileId, signal?: AbortSignal): Promise<ParentChunk[]> {
    return guard(signal, () => {
      const ownerKey = this.ownerKeyFor(ownerId, false);
      if (ownerKey === undefined) return [];
      return this.stmt.parentsOfFile.all(ownerId, ownerKey, fileId).map(rowToParent);
    });
  }

  deleteFile(ownerId: OwnerId, fileId: FileId, signal?: AbortSignal): Promise<number> {
    return guard(signal, () => {
      const ownerKey = this.ownerKeyFor(ownerId, false);
      if (ownerKey === undefined) return 0;
      return this.db.transaction(() => {
        const rows = this.stmt.chunksOfFile.all(ownerKey, fileId);
        this.removeChunks(rows);
        this.stmt.deleteParentsOfFile.run(ownerKey, fileId);
        return rows.length;
      }).immediate();
    });
  }

  listFiles(ownerId: OwnerId, signal?: AbortSignal): Promise<StoredFile[]> {
    return guard(signal, () => {
      const ownerKey = this.ownerKeyFor(ownerId, false);
      if (ownerKey === undefined) return [];
      return this.stmt.listFiles.all(ownerKey, ownerKey).map((r) => ({
        fileId: r.file_id as FileId,
        chunkCount: r.chunks,
        parentCount: r.parents,
      }));
    });
  }

  stats(ownerId?: OwnerId, signal?: AbortSignal): Promise<StoreStats> {
    return guard(signal, () => {
      const ownerKey = ownerId === undefined ? undefined : this.ownerKeyFor(ownerId, false);
      const where = ownerId === undefined ? '' : 'WHERE owner_key = ?';
      const params = ownerId === undefined ? [] : [ownerKey ?? -1];
      const count = (sql: string) => (this.db.prepare(sql).get(...params) as { n: number }).n;
      const pageCount = this.db.pragma('page_count', { simple: true }) as number;
      const pageSize = this.db.pragma('page_size', { simple: true }) as number;
      return {
        chunks: count(`SELECT COUNT(*) AS n FROM chunks ${where}`),
        parents: count(`SELECT COUNT(*) AS n FROM parents ${where}`),
        files: (this.db.prepare(`SELECT COUNT(*) AS n FROM (SELECT file_id FROM chunks ${where} UNION SELECT file_id FROM parents ${where})`).get(...params, ...params) as { n: number }).n,
        ...(this.dimension === undefined ? {} : { dimension: this.dimension }),
        details: {
          backend: 'sqlite',
          dense: this.dimension === undefined ? 'none' : this.vectorExtension ? 'sqlite-vec' : 'unavailable',
          sparseModel: this.stmt.getMeta.get('sparse_model')?.value ?? 'unknown',
          terms: (this.db.prepare('SELECT COUNT(*) AS n FROM term_df').get() as { n: number }).n,
          diskBytes: pageCount * pageSize,
        },
      };
    });
  }

  /** Runs `onClose` (from `createSqliteStore`: checkpoint and close the file); otherwise a no-op. */
  close(): Promise<void> {
    return this.onClose?.() ?? Promise.resolve();
  }

  // ---- internals ------------------------------------------------------------------------------

  private ownerKeyFor(ownerId: OwnerId, create: boolean): number | undefined {
    const found = this.stmt.ownerKey.get(ownerId)?.owner_key;
    if (found !== undefined || !create) return found;
    this.stmt.addOwner.run(ownerId);
    return this.stmt.ownerKey.get(ownerId)?.owner_key;
  }

  private validateSparse(vector: SparseVector, what: string): void {
    if (vector.indices.length !== vector.values.length) {
      throw new RagError({ code: 'invalid_input', reason: `sparse vector of ${what} has ${vector.indices.length} indices but ${vector.values.length} values` });
    }
    for (let i = 0; i < vector.indices.length; i++) {
      const id = vector.indices[i]!;
      if (!Number.isInteger(id) || id < 0 || id > 0xffffffff || (i > 0 && id <= vector.indices[i - 1]!)) {
        throw new RagError({ code: 'invalid_input', reason: `sparse vector of ${what}: indices must be strictly ascending uint32` });
      }
      if (!Number.isFinite(vector.values[i])) throw new RagError({ code: 'invalid_input', reason: `sparse vector of ${what} has a non-finite value` });
    }
  }

  /** Removes chunks with their postings, IDF counts and vectors (inside the caller's transaction). */
  private removeChunks(rows: readonly { rowid: number; owner_key: number; terms: Buffer; has_dense: number }[]): void {
    const byOwner = new Map<number, Map<number, number[]>>();
    for (const row of rows) {
      const byTerm = byOwner.get(row.owner_key) ?? byOwner.set(row.owner_key, new Map()).get(row.owner_key)!;
      for (const term of decodeTerms(row.terms)) {
        const list = byTerm.get(term);
        if (list) list.push(row.rowid);
        else byTerm.set(term, [row.rowid]);
        this.stmt.decDf.run(term);
        this.stmt.dropZeroDf.run(term);
      }
      if (row.has_dense && this.dimension !== undefined) this.db.prepare('DELETE FROM chunk_vectors WHERE rowid = ?').run(BigInt(row.rowid));
      this.stmt.deleteChunk.run(row.rowid);
    }
    for (const [ownerKey, byTerm] of byOwner) this.postings.remove(ownerKey, byTerm);
  }

  /** BM25 ranking of the owner's chunks, best first (chunk rowids). */
  private sparseRanking(ownerKey: number, sparse: SparseVector, depth: number, fileIds: readonly FileId[] | undefined): number[] {
    if (sparse.indices.length === 0) return [];
    const total = this.stmt.chunkCount.get()!.n;
    const dfs = new Map<number, number>();
    const dfStatement = this.sparseStatement(`df:${sparse.indices.length}`, () =>
      `SELECT term, df FROM term_df WHERE term IN (${sparse.indices.map(() => '?').join(',')})`,
    );
    for (const row of dfStatement.all(...sparse.indices) as { term: number; df: number }[]) dfs.set(row.term, row.df);
    const weights = new Map<number, number>();
    sparse.indices.forEach((term, i) => {
      const df = dfs.get(term);
      if (df !== undefined) weights.set(term, sparse.values[i]! * bm25Idf(total, df));
    });
    if (weights.size === 0) return [];
    const allowed =
      fileIds === undefined
        ? undefined
        : new Set(
            (this.db.prepare(`SELECT rowid FROM chunks WHERE owner_key = ? AND file_id IN (${fileIds.map(() => '?').join(',')})`).all(ownerKey, ...fileIds) as { rowid: number }[]).map(
              (r) => r.rowid,
            ),
          );
    return this.postings.topK(ownerKey, weights, depth, allowed);
  }

  /** Cosine KNN over the owner's partition, best first (chunk rowids). */
  private denseRanking(ownerKey: number, dense: readonly number[], depth: number, fileIds: readonly FileId[] | undefined): number[] {
    const vector = encodeDense(dense);
    if (fileIds !== undefined) {
      // Few files: an exact scan of just their vectors beats a KNN over the whole partition.
      const sql = `SELECT v.rowid AS rowid FROM chunk_vectors v JOIN chunks c ON c.rowid = v.rowid
                   WHERE c.owner_key = ? AND c.file_id IN (${fileIds.map(() => '?').join(',')})
                   ORDER BY vec_distance_cosine(v.embedding, ?), v.rowid LIMIT ?`;
      return (this.db.prepare(sql).all(ownerKey, ...fileIds, vector, depth) as { rowid: number }[]).map((r) => r.rowid);
    }
    const rows = this.sparseStatement('knn', () =>
      'SELECT rowid, distance FROM chunk_vectors WHERE embedding MATCH ? AND k = ? AND owner_key = ? ORDER BY distance',
    ).all(vector, Math.min(depth, VEC_MAX_K), ownerKey) as { rowid: number }[];
    return rows.map((r) => r.rowid);
  }

  private chunkRows(rowids: readonly number[], ownerId: OwnerId): Map<number, ChunkRow> {
    if (rowids.length === 0) return new Map();
    const rows = this.sparseStatement(`rows:${rowids.length}`, () =>
      `SELECT rowid, id, ? AS owner_id, file_id, parent_id, idx, file_name, text, token_count, heading_path, page_start, page_end
       FROM chunks WHERE rowid IN (${rowids.map(() => '?').join(',')})`,
    ).all(ownerId, ...rowids) as ChunkRow[];
    return new Map(rows.map((r) => [r.rowid, r]));
  }

  /** Statements whose SQL depends on the number of terms/ids are prepared once per shape. */
  private sparseStatement(key: string, sql: () => string): Statement {
    let statement = this.sparseStatements.get(key);
    if (!statement) {
      if (this.sparseStatements.size > 512) this.sparseStatements.clear();
      statement = this.db.prepare(sql());
      this.sparseStatements.set(key, statement);
    }
    return statement;
  }
}
