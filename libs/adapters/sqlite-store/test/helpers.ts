import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildChunk, Embedding, IndexedChunk, OwnerId, ParentChunk } from '@docrag/domain';
import { ChunkId, FileId, ParentId } from '@docrag/domain';
import type { SparseVector } from '@docrag/domain';
import { hashedSparse } from '@docrag/testing';

/**
 * Sparse vectors for store tests. An adapter may not import another adapter (the real BM25 encoder
 * lives in @docrag/sparse), so documents get term-frequency weights over hashed words and queries
 * unit weights: the same shapes, and the store's scoring is the same whatever the weights are.
 */
export const encoder = {
  encodeDocument: (text: string): SparseVector => hashedSparse(text),
  encodeQuery: (text: string): SparseVector => {
    const { indices } = hashedSparse(text);
    return { indices, values: indices.map(() => 1) };
  },
};

/** A temporary folder removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'docrag-sqlite-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Builds a file of chunks (one parent per chunk) for `owner`, sparse from the BM25 encoder. */
export function makeFile(
  owner: OwnerId,
  name: string,
  texts: readonly string[],
  dense?: (text: string, i: number) => number[],
): { chunks: IndexedChunk[]; parents: ParentChunk[]; fileId: FileId } {
  const fileId = FileId.of(owner, name.padEnd(32, '0'));
  const parents: ParentChunk[] = texts.map((text, i) => ({
    id: ParentId.of(fileId, i),
    fileId,
    ownerId: owner,
    fileName: name,
    index: i,
    text,
    tokenCount: text.split(' ').length,
    headingPath: ['Intro', `Part ${i}`],
    pageStart: i + 1,
    pageEnd: i + 1,
  }));
  const chunks: IndexedChunk[] = texts.map((text, i) => {
    const chunk: ChildChunk = {
      id: ChunkId.of(fileId, i),
      parentId: ParentId.of(fileId, i),
      fileId,
      ownerId: owner,
      fileName: name,
      index: i,
      text,
      tokenCount: text.split(' ').length,
      headingPath: ['Intro', `Part ${i}`],
      pageStart: i + 1,
      pageEnd: i + 1,
    };
    const embedding: Embedding = { sparse: encoder.encodeDocument(text), ...(dense ? { dense: dense(text, i) } : {}) };
    return { chunk, embedding };
  });
  return { chunks, parents, fileId };
}
