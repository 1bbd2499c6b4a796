import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from './migrations';
import type { Posting } from './posting-index';
import { POSTING_BLOCK_SIZE, PostingIndex } from './posting-index';

function setup() {
  const db = new Database(':memory:');
  migrate(db);
  return { db, index: new PostingIndex(db) };
}

describe('PostingIndex', () => {
  it('spreads long posting lists over blocks and scores them exactly', () => {
    const { db, index } = setup();
    const n = POSTING_BLOCK_SIZE * 2 + 37;
    const postings: Posting[] = [];
    for (let rowid = 1; rowid <= n; rowid++) {
      postings.push({ ownerKey: 1, term: 7, rowid, weight: (rowid % 10) / 10 + 0.05 });
      if (rowid % 3 === 0) postings.push({ ownerKey: 1, term: 9, rowid, weight: 1 });
    }
    // Added in two calls: the second appends to the partly filled last block.
    index.add(postings.slice(0, 700));
    index.add(postings.slice(700));
    const blocks = db.prepare('SELECT block, count FROM posting_blocks WHERE term = 7 ORDER BY block').all() as { block: number; count: number }[];
    expect(blocks.map((b) => b.count)).toEqual([POSTING_BLOCK_SIZE, POSTING_BLOCK_SIZE, 37]);

    const top = index.topK(1, new Map([[7, 2], [9, 0.5]]), 5);
    const byHand = Array.from({ length: n }, (_, i) => i + 1)
      .map((rowid) => ({ rowid, score: 2 * ((rowid % 10) / 10 + 0.05) + (rowid % 3 === 0 ? 0.5 : 0) }))
      .sort((a, b) => b.score - a.score || a.rowid - b.rowid)
      .slice(0, 5)
      .map((x) => x.rowid);
    expect(top).toEqual(byHand);
  });

  it('filters by allowed rowids and by owner', () => {
    const { index } = setup();
    index.add([
      { ownerKey: 1, term: 5, rowid: 1, weight: 1 },
      { ownerKey: 1, term: 5, rowid: 2, weight: 3 },
      { ownerKey: 2, term: 5, rowid: 3, weight: 9 },
    ]);
    expect(index.topK(1, new Map([[5, 1]]), 10)).toEqual([2, 1]);
    expect(index.topK(1, new Map([[5, 1]]), 10, new Set([1]))).toEqual([1]);
    expect(index.topK(2, new Map([[5, 1]]), 10)).toEqual([3]);
    expect(index.topK(3, new Map([[5, 1]]), 10)).toEqual([]);
  });

  it('removes postings from the blocks covering them, dropping empty blocks', () => {
    const { db, index } = setup();
    const postings = Array.from({ length: POSTING_BLOCK_SIZE + 10 }, (_, i) => ({ ownerKey: 1, term: 4, rowid: i + 1, weight: 1 }));
    index.add(postings);
    index.remove(1, new Map([[4, Array.from({ length: 10 }, (_, i) => POSTING_BLOCK_SIZE + i + 1).concat([3])]]));
    const blocks = db.prepare('SELECT count, min_rowid, max_rowid FROM posting_blocks ORDER BY block').all();
    expect(blocks).toEqual([{ count: POSTING_BLOCK_SIZE - 1, min_rowid: 1, max_rowid: POSTING_BLOCK_SIZE }]);
    expect(index.topK(1, new Map([[4, 1]]), 1000)).not.toContain(3);
    expect(index.topK(1, new Map([[4, 1]]), 1000)).toHaveLength(POSTING_BLOCK_SIZE - 1);
  });
});
