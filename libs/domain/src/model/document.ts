import type { ChunkId, FileId, OwnerId, ParentId } from './ids';

/** Formats the parsers accept. Detected from content (magic bytes), not from the file name. */
export type DocumentFormat = 'pdf' | 'docx' | 'doc' | 'epub' | 'markdown' | 'text';

/**
 * One structural block of a parsed document. Parsers emit headings as their own blocks so the
 * chunker can keep a heading path; `page` is 1-based where the format has pages (PDF), and
 * chapters of an EPUB arrive as level-1 headings.
 */
export type DocumentBlock =
  | { readonly kind: 'heading'; readonly level: number; readonly text: string; readonly page?: number }
  | { readonly kind: 'paragraph'; readonly text: string; readonly page?: number };

/** Normalised parser output: plain text with structure, ready for the chunker. */
export interface ParsedDocument {
  readonly format: DocumentFormat;
  readonly title?: string;
  readonly blocks: readonly DocumentBlock[];
  /** Number of pages, for paged formats. */
  readonly pageCount?: number;
}

/** The raw upload handed to ingestion. */
export interface UploadedFile {
  readonly ownerId: OwnerId;
  readonly name: string;
  readonly bytes: Uint8Array;
  /** MIME type claimed by the client (informational: formats are sniffed from content). */
  readonly mimeType?: string;
}

/** A file known to the registry. */
export interface FileRecord {
  readonly fileId: FileId;
  readonly ownerId: OwnerId;
  readonly name: string;
  readonly format: DocumentFormat;
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly parentCount: number;
  readonly chunkCount: number;
  /** `indexing` while ingestion runs; a record left `indexing` after a crash is swept on start. */
  readonly status: 'indexing' | 'ready';
  /** Epoch milliseconds. */
  readonly createdAt: number;
}

/** Position of a chunk inside its document, used for citations. */
export interface ChunkLocation {
  /** Headings from the outermost to the innermost section containing the chunk. */
  readonly headingPath: readonly string[];
  /** First and last page the text comes from (paged formats only). */
  readonly pageStart?: number;
  readonly pageEnd?: number;
}

/** A large section of a document: the context given to the LLM. */
export interface ParentChunk extends ChunkLocation {
  readonly id: ParentId;
  readonly fileId: FileId;
  readonly ownerId: OwnerId;
  readonly fileName: string;
  readonly index: number;
  readonly text: string;
  readonly tokenCount: number;
}

/** A small, overlapping piece of a parent: the unit that is embedded and searched. */
export interface ChildChunk extends ChunkLocation {
  readonly id: ChunkId;
  readonly parentId: ParentId;
  readonly fileId: FileId;
  readonly ownerId: OwnerId;
  readonly fileName: string;
  readonly index: number;
  readonly text: string;
  readonly tokenCount: number;
}
