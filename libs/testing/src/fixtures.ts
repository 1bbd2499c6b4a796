import type { ChildChunk, FileId, IndexedChunk, OwnerId, ParentChunk } from '@docrag/domain';
import { ChunkId, FileId as FileIds, ParentId } from '@docrag/domain';
import { hashedDense, hashedSparse } from './fakes/fake-embedder';
import { fnv1a } from './fakes/text';

export interface FixtureFileOptions {
  readonly ownerId: OwnerId;
  readonly fileName: string;
  /** One entry per parent: the texts of its child chunks. */
  readonly parents: readonly (readonly string[])[];
  /** Dense dimension of the vectors (0 = sparse only). Default 16. */
  readonly dimension?: number;
  /** Heading of every parent (default: the file name). */
  readonly heading?: string;
}

export interface FixtureFile {
  readonly fileId: FileId;
  readonly parents: ParentChunk[];
  readonly chunks: IndexedChunk[];
}

/**
 * Builds a file's parents and children with deterministic ids and hashed vectors (the same as
 * `FakeEmbedder`), so store tests need no embedder. Parent `i` is on page `i + 1`.
 */
export function makeFixtureFile(options: FixtureFileOptions): FixtureFile {
  const dimension = options.dimension ?? 16;
  const pseudoSha = [0, 1, 2, 3].map((i) => fnv1a(`${i}:${options.ownerId}:${options.fileName}`).toString(16).padStart(8, '0')).join('');
  const fileId = FileIds.of(options.ownerId, pseudoSha);
  const headingPath = [options.heading ?? options.fileName];
  const parents: ParentChunk[] = [];
  const chunks: IndexedChunk[] = [];
  let childIndex = 0;
  options.parents.forEach((childTexts, p) => {
    const parentId = ParentId.of(fileId, p);
    const text = childTexts.join(' ');
    parents.push({
      id: parentId,
      fileId,
      ownerId: options.ownerId,
      fileName: options.fileName,
      index: p,
      text,
      tokenCount: text.split(/\s+/).length,
      headingPath,
      pageStart: p + 1,
      pageEnd: p + 1,
    });
    for (const childText of childTexts) {
      const chunk: ChildChunk = {
        id: ChunkId.of(fileId, childIndex),
        parentId,
        fileId,
        ownerId: options.ownerId,
        fileName: options.fileName,
        index: childIndex++,
        text: childText,
        tokenCount: childText.split(/\s+/).length,
        headingPath,
        pageStart: p + 1,
        pageEnd: p + 1,
      };
      const sparse = hashedSparse(childText);
      chunks.push({ chunk, embedding: dimension > 0 ? { dense: hashedDense(childText, dimension), sparse } : { sparse } });
    }
  });
  return { fileId, parents, chunks };
}
