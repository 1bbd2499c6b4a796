import { RagError } from '@docrag/domain';

/**
 * Resource limits applied before and while parsing. Apps read them from the environment
 * (`MAX_FILE_MB`, `MAX_ARCHIVE_UNCOMPRESSED_MB`, `MAX_ARCHIVE_ENTRIES`, `MAX_PDF_PAGES`) and pass
 * plain numbers here; the library itself never reads `process.env`.
 */
export interface ParserLimits {
  /** Largest accepted upload in bytes (default 10 MB: `MAX_FILE_MB`). */
  readonly maxFileBytes: number;
  /** Cap on the total uncompressed size of a DOCX/EPUB archive (default 100 MB). */
  readonly maxArchiveUncompressedBytes: number;
  /** Cap on the number of entries in a DOCX/EPUB archive (default 2000). */
  readonly maxArchiveEntries: number;
  /** Cap on the number of PDF pages read (default 2000). */
  readonly maxPdfPages: number;
}

const MB = 1024 * 1024;

/**
 * Defaults. 10 MB keeps well under Telegram's 20 MB `getFile` download cap
 * (https://core.telegram.org/bots/api#getfile); 100 MB / 2000 entries is far above any real
 * DOCX or EPUB (a 600-page novel EPUB is ~3 MB uncompressed, ~100 entries) and far below what a
 * zip bomb expands to.
 */
export const DEFAULT_PARSER_LIMITS: ParserLimits = {
  maxFileBytes: 10 * MB,
  maxArchiveUncompressedBytes: 100 * MB,
  maxArchiveEntries: 2000,
  maxPdfPages: 2000,
};

/** Builds limits from the megabyte-denominated settings the apps expose as env variables. */
export function parserLimitsFromMegabytes(options: {
  maxFileMb?: number;
  maxArchiveUncompressedMb?: number;
  maxArchiveEntries?: number;
  maxPdfPages?: number;
}): ParserLimits {
  return {
    maxFileBytes: Math.round((options.maxFileMb ?? DEFAULT_PARSER_LIMITS.maxFileBytes / MB) * MB),
    maxArchiveUncompressedBytes: Math.round(
      (options.maxArchiveUncompressedMb ?? DEFAULT_PARSER_LIMITS.maxArchiveUncompressedBytes / MB) * MB,
    ),
    maxArchiveEntries: options.maxArchiveEntries ?? DEFAULT_PARSER_LIMITS.maxArchiveEntries,
    maxPdfPages: options.maxPdfPages ?? DEFAULT_PARSER_LIMITS.maxPdfPages,
  };
}

/**
 * Rejects empty and oversized uploads before any parser touches them. Call it as early as the
 * size is known (the bot can call it with Telegram's `file_size` before downloading).
 *
 * @throws RagError `empty_file` or `file_too_large`
 */
export function checkFileSize(sizeBytes: number, maxBytes: number = DEFAULT_PARSER_LIMITS.maxFileBytes): void {
  if (sizeBytes <= 0) throw new RagError({ code: 'empty_file' });
  if (sizeBytes > maxBytes) throw new RagError({ code: 'file_too_large', sizeBytes, limitBytes: maxBytes });
}
