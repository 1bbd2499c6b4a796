import type { ChildChunk, ParentChunk } from '@docrag/domain';
import { ChunkId, FileId, OwnerId, ParentId } from '@docrag/domain';

/** Term ids as a compact little-endian uint32 blob (kept per chunk to find its postings on delete). */
export function encodeTerms(indices: readonly number[]): Buffer {
  const buffer = Buffer.allocUnsafe(indices.length * 4);
  indices.forEach((id, i) => buffer.writeUInt32LE(id, i * 4));
  return buffer;
}

export function decodeTerms(blob: Buffer): number[] {
  const out = new Array<number>(blob.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = blob.readUInt32LE(i * 4);
  return out;
}

/** Dense vectors go to sqlite-vec as float32 blobs. */
export function encodeDense(vector: readonly number[]): Buffer {
  const floats = Float32Array.from(vector);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
}

export interface ChunkRow {
  rowid: number;
  id: string;
  owner_id: string;
  file_id: string;
  parent_id: string;
  idx: number;
  file_name: string;
  text: string;
  token_count: number;
  heading_path: string;
  page_start: number | null;
  page_end: number | null;
}

export type ParentRow = Omit<ChunkRow, 'parent_id'>;

function location(row: { heading_path: string; page_start: number | null; page_end: number | null }) {
  return {
    headingPath: JSON.parse(row.heading_path) as string[],
    ...(row.page_start === null ? {} : { pageStart: row.page_start }),
    ...(row.page_end === null ? {} : { pageEnd: row.page_end }),
  };
}

export function rowToChunk(row: ChunkRow): ChildChunk {
  return {
    id: ChunkId.unsafe(row.id),
    parentId: ParentId.unsafe(row.parent_id),
    fileId: FileId.unsafe(row.file_id),
    ownerId: OwnerId.unsafe(row.owner_id),
    fileName: row.file_name,
    index: row.idx,
    text: row.text,
    tokenCount: row.token_count,
    ...location(row),
  };
}

export function rowToParent(row: ParentRow): ParentChunk {
  return {
    id: ParentId.unsafe(row.id),
    fileId: FileId.unsafe(row.file_id),
    ownerId: OwnerId.unsafe(row.owner_id),
    fileName: row.file_name,
    index: row.idx,
    text: row.text,
    tokenCount: row.token_count,
    ...location(row),
  };
}
