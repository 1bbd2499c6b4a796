import type { OwnerId, ParentChunk, Source } from '@docrag/domain';
import { ChunkId, FileId, ParentId } from '@docrag/domain';

const owner = 'user:1' as OwnerId;

/** A numbered source over one parent, as the answer use case builds them. */
export function source(n: number, text: string, score = 1, fileName = `file-${n}.pdf`): Source {
  const fileId = FileId.of(owner, `${n}`.padStart(64, '0'));
  const parent: ParentChunk = {
    id: ParentId.of(fileId, 0),
    fileId,
    ownerId: owner,
    fileName,
    index: 0,
    text,
    tokenCount: text.split(/\s+/).length,
    headingPath: [],
    pageStart: n,
    pageEnd: n,
  };
  return {
    n,
    parent,
    score,
    matched: [{ score, chunk: { ...parent, id: ChunkId.of(fileId, 0), parentId: parent.id } }],
  };
}
