import { ChunkId, FileId, OwnerId, ParentId, RagError } from '@docrag/domain';
import type { ChildChunk, ParentChunk } from '@docrag/domain';
import type { QdrantFilter, QdrantPayload } from './qdrant-api';

/**
 * Payload field names. `owner_id` and `file_id` carry keyword indexes (owner_id as the tenant
 * key); the rest is returned with hits so a search needs no second round trip.
 */
export const FIELD = {
  ownerId: 'owner_id',
  fileId: 'file_id',
  parentId: 'parent_id',
  chunkId: 'chunk_id',
  fileName: 'file_name',
  index: 'index',
  text: 'text',
  tokenCount: 'token_count',
  headingPath: 'heading_path',
  pageStart: 'page_start',
  pageEnd: 'page_end',
} as const;

/** The fields parents and children share; a parent's `parent_id` is its own id. */
function sharedPayload(part: ParentChunk | ChildChunk, parentId: ParentId): QdrantPayload {
  return {
    [FIELD.ownerId]: part.ownerId,
    [FIELD.fileId]: part.fileId,
    [FIELD.parentId]: parentId,
    [FIELD.fileName]: part.fileName,
    [FIELD.index]: part.index,
    [FIELD.text]: part.text,
    [FIELD.tokenCount]: part.tokenCount,
    [FIELD.headingPath]: [...part.headingPath],
    ...(part.pageStart === undefined ? {} : { [FIELD.pageStart]: part.pageStart }),
    ...(part.pageEnd === undefined ? {} : { [FIELD.pageEnd]: part.pageEnd }),
  };
}

export function chunkPayload(chunk: ChildChunk): QdrantPayload {
  return { ...sharedPayload(chunk, chunk.parentId), [FIELD.chunkId]: chunk.id };
}

export function parentPayload(parent: ParentChunk): QdrantPayload {
  return sharedPayload(parent, parent.id);
}

/** The fields parents and children share, read back (the mirror of `sharedPayload`). */
function sharedFields(payload: QdrantPayload) {
  return {
    fileId: FileId.unsafe(str(payload, FIELD.fileId)),
    ownerId: OwnerId.unsafe(str(payload, FIELD.ownerId)),
    fileName: str(payload, FIELD.fileName),
    index: num(payload, FIELD.index),
    text: str(payload, FIELD.text),
    tokenCount: num(payload, FIELD.tokenCount),
    headingPath: strings(payload, FIELD.headingPath),
    ...pages(payload),
  };
}

export function payloadToChunk(payload: QdrantPayload): ChildChunk {
  return { id: ChunkId.unsafe(str(payload, FIELD.chunkId)), parentId: ParentId.unsafe(str(payload, FIELD.parentId)), ...sharedFields(payload) };
}

export function payloadToParent(payload: QdrantPayload): ParentChunk {
  return { id: ParentId.unsafe(str(payload, FIELD.parentId)), ...sharedFields(payload) };
}

/** The owner filter every read and delete carries; optionally narrowed to some files. */
export function ownerFilter(ownerId: OwnerId, fileIds?: readonly FileId[]): QdrantFilter {
  return {
    must: [
      { key: FIELD.ownerId, match: { value: ownerId } },
      ...(fileIds ? [{ key: FIELD.fileId, match: { any: [...fileIds] } }] : []),
    ],
  };
}

export function fileFilter(ownerId: OwnerId, fileId: FileId): QdrantFilter {
  return { must: [{ key: FIELD.ownerId, match: { value: ownerId } }, { key: FIELD.fileId, match: { value: fileId } }] };
}

function pages(payload: QdrantPayload): { pageStart?: number; pageEnd?: number } {
  const start = payload[FIELD.pageStart];
  const end = payload[FIELD.pageEnd];
  return {
    ...(typeof start === 'number' ? { pageStart: start } : {}),
    ...(typeof end === 'number' ? { pageEnd: end } : {}),
  };
}

function str(payload: QdrantPayload, key: string): string {
  const value = payload[key];
  if (typeof value !== 'string') throw malformed(key);
  return value;
}

function num(payload: QdrantPayload, key: string): number {
  const value = payload[key];
  if (typeof value !== 'number') throw malformed(key);
  return value;
}

function strings(payload: QdrantPayload, key: string): string[] {
  const value = payload[key];
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is string => typeof v === 'string');
}

/** A point written by something else (or an older schema) in our collection. */
function malformed(key: string): RagError {
  return new RagError({ code: 'invalid_input', reason: `qdrant point payload lacks a valid ${key}; was the collection written by another tool?` });
}
