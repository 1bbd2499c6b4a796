import type { DocumentFormat, DocumentParser, DocumentParsers, ParsedDocument } from '@docrag/domain';
import { DocParser } from './doc-parser';
import { DocxParser } from './docx-parser';
import { EpubParser } from './epub-parser';
import { throwIfAborted } from './errors';
import { checkFileSize, DEFAULT_PARSER_LIMITS } from './limits';
import type { ParserLimits } from './limits';
import { MarkdownParser } from './markdown-parser';
import { PdfParser } from './pdf-parser';
import { detectFormat } from './sniff';
import { PlainTextParser } from './text-parser';

export interface DocumentParsersOptions {
  /** Overrides of the defaults (10 MB file, 100 MB / 2000 entries per archive, 2000 PDF pages). */
  readonly limits?: Partial<ParserLimits>;
  /** Replaces the parser for a format (tests, or a different PDF engine). */
  readonly parsers?: Partial<Record<DocumentFormat, DocumentParser>>;
}

/**
 * Chooses a parser by content (magic bytes, then the inside of zip and OLE containers), never by
 * the file name alone: a PDF named `.docx` is parsed as a PDF, and a zip of images named `.epub`
 * is refused as `unsupported_format`.
 */
export class SniffingDocumentParsers implements DocumentParsers {
  readonly limits: ParserLimits;
  private readonly parsers: Record<DocumentFormat, DocumentParser>;

  constructor(options: DocumentParsersOptions = {}) {
    this.limits = { ...DEFAULT_PARSER_LIMITS, ...options.limits };
    this.parsers = {
      pdf: new PdfParser(this.limits),
      docx: new DocxParser(this.limits),
      doc: new DocParser(),
      epub: new EpubParser(this.limits),
      markdown: new MarkdownParser(),
      text: new PlainTextParser(),
      ...options.parsers,
    };
  }

  detect(bytes: Uint8Array, fileName?: string): DocumentFormat {
    return detectFormat(bytes, fileName);
  }

  /**
   * Size check, format detection, then the format's parser.
   * @throws RagError with a specific code; never returns a partial document.
   */
  async parse(bytes: Uint8Array, options?: { fileName?: string; signal?: AbortSignal }): Promise<ParsedDocument> {
    throwIfAborted(options?.signal);
    checkFileSize(bytes.length, this.limits.maxFileBytes);
    const format = this.detect(bytes, options?.fileName);
    return this.parsers[format].parse(bytes, options);
  }
}

/**
 * All parsers behind one `DocumentParsers`.
 *
 * @example
 * const parsers = createDocumentParsers({ limits: parserLimitsFromMegabytes({ maxFileMb: config.MAX_FILE_MB }) });
 * const doc = await parsers.parse(bytes, { fileName: 'report.pdf', signal });
 */
export function createDocumentParsers(options: DocumentParsersOptions = {}): SniffingDocumentParsers {
  return new SniffingDocumentParsers(options);
}
