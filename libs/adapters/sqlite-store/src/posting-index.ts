import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database';

/**
 * Entries per posting block. A block is one row (`posting_blocks`) holding up to this many
 * (chunk rowid, weight) pairs: 512 × 8 bytes = 4 KiB, one SQLite page worth of payload. Blocks make
 * a query read a handful of rows per term instead of one row per posting (a term in every chunk of
 * a 100k-chunk library is 196 blob reads, not 100k row steps), the layout Lucene uses for the same
 * reason.
 */
export const POSTING_BLOCK_SIZE = 512;

/** A posting to add: term `term` occurs in chunk `rowid` of owner `ownerKey` with BM25 weight `weight`. */
export interface Posting {
  readonly ownerKey: number;
  readonly term: number;
  readonly rowid: number;
  readonly weight: number;
}

interface BlockRow {
  block: number;
  count: number;
  min_rowid: number;
  max_rowid: number;
  data: Buffer;
}

/** Decodes a block: rowids (uint32) then weights (float32), little-endian, `count` of each. */
function decode(data: Buffer, count: number): { rowids: Uint32Array; weights: Float32Array } {
  // Copy into an aligned buffer: Buffers from the driver may sit at any byte offset.
  const aligned = new Uint8Array(count * 8);
  aligned.set(data.subarray(0, count * 8));
  return { rowids: new Uint32Array(aligned.buffer, 0, count), weights: new Float32Array(aligned.buffer, count * 4, count) };
}

function encode(rowids: ArrayLike<number>, weights: ArrayLike<number>, count: number): Buffer {
  const bytes = new ArrayBuffer(count * 8);
  new Uint32Array(bytes, 0, count).set(Array.from({ length: count }, (_, i) => rowids[i]!));
  new Float32Array(bytes, count * 4, count).set(Array.from({ length: count }, (_, i) => weights[i]!));
  return Buffer.from(bytes);
}

/**
 * The sparse inverted index: per (owner, term), blocks of postings in ascending chunk rowid
 * (chunk rowids only grow, `AUTOINCREMENT`, so appends always go to the last block).
 * Scoring happens in JS over typed arrays: Σ over query terms of query weight × posting weight,
 * then a top-k selection. Callers run every method inside their own transaction.
 */
export class PostingIndex {
  private readonly stmt: {
    lastBlock: Statement<[number, number], BlockRow>;
    blocksInRange: Statement<[number, number, number, number], BlockRow>;
    insert: Statement;
    update: Statement;
    remove: Statement;
  };
  private readonly lookups = new Map<number, Statement>();
  private scores = new Float64Array(1024);

  constructor(private readonly db: SqliteDatabase) {
    this.stmt = {
      lastBlock: db.prepare('SELECT block, count, min_rowid, max_rowid, data FROM posting_blocks WHERE owner_key = ? AND term = ? ORDER BY block DESC LIMIT 1'),
      blocksInRange: db.prepare(
        'SELECT block, count, min_rowid, max_rowid, data FROM posting_blocks WHERE owner_key = ? AND term = ? AND max_rowid >= ? AND min_rowid <= ? ORDER BY block',
      ),
      insert: db.prepare('INSERT INTO posting_blocks(owner_key, term, block, count, min_rowid, max_rowid, data) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      update: db.prepare('UPDATE posting_blocks SET count = ?, min_rowid = ?, max_rowid = ?, data = ? WHERE owner_key = ? AND term = ? AND block = ?'),
      remove: db.prepare('DELETE FROM posting_blocks WHERE owner_key = ? AND term = ? AND block = ?'),
    };
  }

  /** Appends postings; within one (owner, term) they must come in ascending rowid order. */
  add(postings: readonly Posting[]): void {
    const groups = new Map<string, Posting[]>();
    for (const p of postings) {
      const key = `${p.ownerKey}:${p.term}`;
      const group = groups.get(key);
      if (group) group.push(p);
      else groups.set(key, [p]);
    }
    for (const group of groups.values()) {
      const { ownerKey, term } = group[0]!;
      const last = this.stmt.lastBlock.get(ownerKey, term);
      let block = last?.block ?? -1;
      let rowids: number[] = [];
      let weights: number[] = [];
      let existing = false;
      if (last && last.count < POSTING_BLOCK_SIZE) {
        const decoded = decode(last.data, last.count);
        rowids = Array.from(decoded.rowids);
        weights = Array.from(decoded.weights);
        existing = true;
      } else {
        block++;
      }
      const flush = () => {
        const data = encode(rowids, weights, rowids.length);
        const min = rowids[0]!;
        const max = rowids[rowids.length - 1]!;
        if (existing) this.stmt.update.run(rowids.length, min, max, data, ownerKey, term, block);
        else this.stmt.insert.run(ownerKey, term, block, rowids.length, min, max, data);
      };
      for (const p of group) {
        if (rowids.length === POSTING_BLOCK_SIZE) {
          flush();
          block++;
          rowids = [];
          weights = [];
          existing = false;
        }
        rowids.push(p.rowid);
        weights.push(p.weight);
      }
      if (rowids.length > 0) flush();
    }
  }

  /**
   * Removes the postings of the given chunks. `terms` lists, per (owner, term), the rowids to drop;
   * only the blocks whose rowid range covers them are read and rewritten.
   */
  remove(ownerKey: number, rowidsByTerm: ReadonlyMap<number, readonly number[]>): void {
    for (const [term, rowids] of rowidsByTerm) {
      if (rowids.length === 0) continue;
      const drop = new Set(rowids);
      const min = Math.min(...rowids);
      const max = Math.max(...rowids);
      for (const row of this.stmt.blocksInRange.all(ownerKey, term, min, max)) {
        const { rowids: ids, weights } = decode(row.data, row.count);
        const keptIds: number[] = [];
        const keptWeights: number[] = [];
        for (let i = 0; i < ids.length; i++) {
          if (!drop.has(ids[i]!)) {
            keptIds.push(ids[i]!);
            keptWeights.push(weights[i]!);
          }
        }
        if (keptIds.length === ids.length) continue;
        if (keptIds.length === 0) this.stmt.remove.run(ownerKey, term, row.block);
        else this.stmt.update.run(keptIds.length, keptIds[0], keptIds[keptIds.length - 1], encode(keptIds, keptWeights, keptIds.length), ownerKey, term, row.block);
      }
    }
  }

  /**
   * The `depth` best chunks of one owner for a weighted term query (weights already include IDF),
   * best first, ties by rowid; `allowed` restricts to some chunk rowids (a file filter).
   */
  topK(ownerKey: number, terms: ReadonlyMap<number, number>, depth: number, allowed?: ReadonlySet<number>): number[] {
    if (terms.size === 0) return [];
    const rows = this.lookup(terms.size).all(ownerKey, ...terms.keys()) as { term: number; count: number; max_rowid: number; data: Buffer }[];
    let scores = this.scores;
    const touched: number[] = [];
    for (const row of rows) {
      if (row.max_rowid >= scores.length) {
        const grown = new Float64Array(Math.max(row.max_rowid + 1, scores.length * 2));
        grown.set(scores);
        this.scores = scores = grown;
      }
      const queryWeight = terms.get(row.term)!;
      const { rowids, weights } = decode(row.data, row.count);
      for (let i = 0; i < rowids.length; i++) {
        const id = rowids[i]!;
        if (allowed !== undefined && !allowed.has(id)) continue;
        if (scores[id] === 0) touched.push(id);
        scores[id]! += queryWeight * weights[i]!;
      }
    }
    const best = selectTop(touched, scores, depth);
    for (const id of touched) scores[id] = 0;
    return best;
  }

  private lookup(n: number): Statement {
    let statement = this.lookups.get(n);
    if (!statement) {
      statement = this.db.prepare(
        `SELECT term, count, max_rowid, data FROM posting_blocks WHERE owner_key = ? AND term IN (${Array.from({ length: n }, () => '?').join(',')})`,
      );
      if (this.lookups.size < 256) this.lookups.set(n, statement);
    }
    return statement;
  }
}

/** Top `k` ids by score (desc, then id asc) with a bounded binary min-heap: O(n log k). */
function selectTop(ids: readonly number[], scores: Float64Array, k: number): number[] {
  const heap: number[] = [];
  // "a is worse than b": lower score, or equal score and higher id.
  const worse = (a: number, b: number) => scores[a]! < scores[b]! || (scores[a] === scores[b] && a > b);
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && worse(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (const id of ids) {
    if (heap.length < k) {
      heap.push(id);
      for (let i = heap.length - 1; i > 0; ) {
        const parent = (i - 1) >> 1;
        if (!worse(heap[i]!, heap[parent]!)) break;
        [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
        i = parent;
      }
    } else if (worse(heap[0]!, id)) {
      heap[0] = id;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
}
