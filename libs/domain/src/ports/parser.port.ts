import type { DocumentFormat, ParsedDocument } from '../model/document';

/**
 * Parses one format. Implementations throw `RagError` with a specific code for bad input
 * (corrupt, encrypted, no text, archive limits) and never return a half-parsed document.
 */
export interface DocumentParser {
  readonly format: DocumentFormat;
  parse(bytes: Uint8Array, options?: { fileName?: string; signal?: AbortSignal }): Promise<ParsedDocument>;
}

/** Picks the parser from the bytes (magic numbers), not the file name alone. */
export interface DocumentParsers {
  detect(bytes: Uint8Array, fileName?: string): DocumentFormat;
  parse(bytes: Uint8Array, options?: { fileName?: string; signal?: AbortSignal }): Promise<ParsedDocument>;
}
