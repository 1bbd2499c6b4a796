/**
 * @docrag/parsers: one `DocumentParser` per format (PDF, DOCX, DOC, EPUB, Markdown, text) and
 * `createDocumentParsers`, which picks one by sniffing the content. Bad files fail with a
 * specific `RagError` (corrupt_file, encrypted_file, archive_limit, no_text, empty_file,
 * file_too_large, unsupported_format); nothing is ever returned half-parsed.
 */

// ---- entry point: detection + dispatch ----
export { createDocumentParsers, SniffingDocumentParsers } from './document-parsers';
export type { DocumentParsersOptions } from './document-parsers';
export { detectFormat } from './sniff';

// ---- limits ----
export { checkFileSize, DEFAULT_PARSER_LIMITS, parserLimitsFromMegabytes } from './limits';
export type { ParserLimits } from './limits';

// ---- one parser per format ----
export { createPdfParser, PdfParser } from './pdf-parser';
export { createDocxParser, DocxParser } from './docx-parser';
export { createDocParser, DocParser } from './doc-parser';
export { createEpubParser, EpubParser } from './epub-parser';
export { createMarkdownParser, MarkdownParser, parseMarkdownText } from './markdown-parser';
export { createTextParser, PlainTextParser } from './text-parser';

// ---- text utilities shared with tools (evaluation ingests strings) ----
export { decodeText } from './text-decoding';
export type { DecodedText } from './text-decoding';
export { normalizeInline } from './normalize';
