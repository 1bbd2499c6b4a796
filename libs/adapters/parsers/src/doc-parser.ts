import WordExtractor from 'word-extractor';
import { RagError } from '@docrag/domain';
import type { DocumentParser, ParsedDocument } from '@docrag/domain';
import { asParserError, corruptFile, throwIfAborted } from './errors';
import { BlockBuilder, finishDocument } from './normalize';
import { OleFile } from './ole';

/** FIB flags ([MS-DOC] 2.5.2 FibBase): fWhichTblStm, fEncrypted, fObfuscated. */
const FIB_WHICH_TABLE = 0x0200;
const FIB_ENCRYPTED = 0x0100;
const FIB_OBFUSCATED = 0x8000;
const WORD_MAGIC = 0xa5ec;
const WORD6_MAGIC = 0xa5dc;

/**
 * Legacy Word 97-2003 `.doc` through word-extractor. The compound file is validated by our own
 * strict OLE reader first (chains bounds- and cycle-checked, encryption flag read from the FIB),
 * so word-extractor only ever sees structurally sound, unencrypted files. The binary format keeps
 * no heading markup that word-extractor exposes, so a DOC yields paragraphs only.
 */
export class DocParser implements DocumentParser {
  readonly format = 'doc' as const;

  async parse(bytes: Uint8Array, options?: { fileName?: string; signal?: AbortSignal }): Promise<ParsedDocument> {
    throwIfAborted(options?.signal);
    try {
      const ole = new OleFile(bytes, 'doc');
      if (ole.find('EncryptionInfo') && ole.find('EncryptedPackage')) throw new RagError({ code: 'encrypted_file', format: 'docx' });
      const word = ole.stream('WordDocument');
      if (!word) throw corruptFile('doc', 'WordDocument stream is missing');
      if (word.length < 0x1aa) throw corruptFile('doc', 'Word file information block is truncated');
      const view = new DataView(word.buffer, word.byteOffset, word.byteLength);
      const magic = view.getUint16(0, true);
      // Word 6.0/95 files (wIdent 0xA5DC) are OLE too, but word-extractor reads Word 97+ only.
      if (magic === WORD6_MAGIC) throw new RagError({ code: 'unsupported_format', detected: 'doc-word6', ...(options?.fileName ? { fileName: options.fileName } : {}) });
      if (magic !== WORD_MAGIC) throw corruptFile('doc', 'not a Word 97-2003 document (bad FIB magic)');
      const flags = view.getUint16(0x0a, true);
      if (flags & (FIB_ENCRYPTED | FIB_OBFUSCATED)) throw new RagError({ code: 'encrypted_file', format: 'doc' });
      const table = flags & FIB_WHICH_TABLE ? '1Table' : '0Table';
      if (!ole.stream(table)) throw corruptFile('doc', `${table} stream is missing`);

      const document = await new WordExtractor().extract(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      throwIfAborted(options?.signal);
      const blocks = new BlockBuilder();
      for (const part of [document.getBody({ filterUnicode: false }), document.getFootnotes({ filterUnicode: false }), document.getEndnotes({ filterUnicode: false })]) {
        for (const line of part.split('\n')) blocks.paragraph(line);
      }
      return finishDocument('doc', blocks.toArray());
    } catch (error) {
      throw asParserError('doc', error);
    }
  }
}

export function createDocParser(): DocumentParser {
  return new DocParser();
}
