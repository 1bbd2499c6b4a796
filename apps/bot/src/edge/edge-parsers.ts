/**
 * Document parsing on the edge: plain text and Markdown only. The PDF, DOCX, DOC and EPUB parsers
 * (@docrag/parsers) rely on Node modules (pdfjs worker, word-extractor, fs), which the edge entry
 * must not import; those formats are refused with a specific message and belong to the Node
 * deployment.
 */
import type { DocumentBlock, DocumentFormat, DocumentParsers, ParsedDocument } from '@docrag/domain';
import { RagError } from '@docrag/domain';

/** Magic numbers of the binary formats the Node deployment handles. */
const BINARY_SIGNATURES: ReadonlyArray<[string, number[]]> = [
  ['pdf', [0x25, 0x50, 0x44, 0x46]],
  ['docx/epub (zip)', [0x50, 0x4b, 0x03, 0x04]],
  ['doc (OLE)', [0xd0, 0xcf, 0x11, 0xe0]],
];

function startsWith(bytes: Uint8Array, signature: readonly number[]): boolean {
  return signature.every((b, i) => bytes[i] === b);
}

export function createEdgeParsers(): DocumentParsers {
  const detect = (bytes: Uint8Array, fileName?: string): DocumentFormat => {
    for (const [name, signature] of BINARY_SIGNATURES) {
      if (startsWith(bytes, signature)) {
        throw new RagError({ code: 'unsupported_format', detected: `${name}; this edge deployment reads only text and Markdown`, ...(fileName ? { fileName } : {}) });
      }
    }
    const head = bytes.subarray(0, 8192);
    if (head.includes(0)) throw new RagError({ code: 'unsupported_format', detected: 'binary', ...(fileName ? { fileName } : {}) });
    return /\.(md|markdown)$/i.test(fileName ?? '') ? 'markdown' : 'text';
  };

  return {
    detect,
    async parse(bytes, options = {}): Promise<ParsedDocument> {
      const format = detect(bytes, options.fileName);
      const text = new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
      const blocks: DocumentBlock[] = [];
      let title: string | undefined;
      for (const raw of text.split(/\n{2,}/)) {
        const lines = raw.split('\n');
        let paragraph: string[] = [];
        const flush = () => {
          const joined = paragraph.join(' ').replace(/\s+/g, ' ').trim();
          if (joined) blocks.push({ kind: 'paragraph', text: joined });
          paragraph = [];
        };
        for (const line of lines) {
          const heading = format === 'markdown' ? /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line) : null;
          if (heading) {
            flush();
            const level = heading[1]?.length ?? 1;
            const textOf = heading[2] ?? '';
            if (level === 1 && title === undefined) title = textOf;
            blocks.push({ kind: 'heading', level, text: textOf });
          } else paragraph.push(line);
        }
        flush();
      }
      if (!blocks.some((b) => b.kind === 'paragraph')) throw new RagError({ code: 'no_text', format });
      return { format, blocks, ...(title ? { title } : {}) };
    },
  };
}

/** SHA-256 through Web Crypto (available in Deno and Node). */
export const webCryptoHasher = {
  async sha256(bytes: Uint8Array): Promise<string> {
    const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  },
};

/**
 * Token estimate for chunk sizes on the edge, where the WordPiece tokenizer (a Node package) is not
 * loaded: about 1.3 word pieces per whitespace-separated word for English prose.
 */
export const estimatingTokenCounter = {
  count(text: string): number {
    const words = text.trim().split(/\s+/).filter(Boolean).length;
    return Math.ceil(words * 1.3);
  },
};
