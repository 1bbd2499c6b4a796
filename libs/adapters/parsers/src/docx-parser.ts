import { zipSync } from 'fflate';
import mammoth from 'mammoth';
import { RagError } from '@docrag/domain';
import type { DocumentParser, ParsedDocument } from '@docrag/domain';
import { asParserError, corruptFile, throwIfAborted } from './errors';
import { htmlToBlocks } from './html-blocks';
import { DEFAULT_PARSER_LIMITS } from './limits';
import type { ParserLimits } from './limits';
import { BlockBuilder, finishDocument } from './normalize';
import { looksLikeOle } from './ole';
import { SafeZip } from './zip';

/**
 * Word's title styles are not in mammoth's default map (it maps Heading 1-6 only); a document
 * title is the outermost heading a reader sees, so it becomes h1 and subtitles h2.
 */
const STYLE_MAP = [
  "p[style-name='Title'] => h1:fresh",
  "p[style-name='Subtitle'] => h2:fresh",
  "p[style-name='title'] => h1:fresh",
  "p[style-name='subtitle'] => h2:fresh",
];

/** Images carry no text we can index; dropping them keeps mammoth from base64-encoding each one. */
const DROP_IMAGES = mammoth.images.imgElement(() => Promise.resolve({ src: '' }));

/**
 * DOCX through mammoth, keeping Word's heading styles as heading blocks. The archive is first
 * opened under the zip limits and every entry inflated by us (sizes enforced while inflating);
 * mammoth then reads a re-packed, stored-only copy, so it never inflates anything we have not
 * already checked. A password-protected DOCX is an OLE container, not a zip ([MS-OFFCRYPTO]).
 */
export class DocxParser implements DocumentParser {
  readonly format = 'docx' as const;

  constructor(private readonly limits: ParserLimits = DEFAULT_PARSER_LIMITS) {}

  async parse(bytes: Uint8Array, options?: { fileName?: string; signal?: AbortSignal }): Promise<ParsedDocument> {
    throwIfAborted(options?.signal);
    if (looksLikeOle(bytes)) throw new RagError({ code: 'encrypted_file', format: 'docx' });
    try {
      const zip = new SafeZip(bytes, 'docx', {
        maxEntries: this.limits.maxArchiveEntries,
        maxUncompressedBytes: this.limits.maxArchiveUncompressedBytes,
      });
      if (!zip.has('word/document.xml')) throw corruptFile('docx', 'word/document.xml is missing');
      const entries = zip.readAll();
      throwIfAborted(options?.signal);
      const repacked = zipSync(entries, { level: 0 });
      const result = await mammoth.convertToHtml(
        { buffer: Buffer.from(repacked.buffer, repacked.byteOffset, repacked.byteLength) },
        { styleMap: STYLE_MAP, convertImage: DROP_IMAGES, externalFileAccess: false },
      );
      throwIfAborted(options?.signal);

      const blocks = new BlockBuilder();
      let firstHeading: string | undefined;
      for (const block of htmlToBlocks(result.value)) {
        if (block.kind === 'heading') {
          firstHeading ??= block.text;
          blocks.heading(block.level, block.text);
        } else {
          blocks.paragraph(block.text, undefined, { preserveLines: block.preformatted === true });
        }
      }
      const core = entries['docProps/core.xml'];
      const title = (core && coreTitle(new TextDecoder().decode(core))) || firstHeading;
      return finishDocument('docx', blocks.toArray(), title ? { title } : {});
    } catch (error) {
      throw asParserError('docx', error);
    }
  }
}

/** `dc:title` from the OPC core properties part. */
function coreTitle(xml: string): string | undefined {
  const m = /<dc:title>([^<]*)<\/dc:title>/.exec(xml);
  return m?.[1]?.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').trim() || undefined;
}

export function createDocxParser(limits?: ParserLimits): DocumentParser {
  return new DocxParser(limits);
}
