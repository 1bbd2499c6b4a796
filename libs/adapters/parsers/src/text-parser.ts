import type { DocumentParser, ParsedDocument } from '@docrag/domain';
import { asParserError, throwIfAborted } from './errors';
import { BlockBuilder, cleanText, finishDocument } from './normalize';
import { decodeText } from './text-decoding';

/**
 * Plain text in any common encoding. Paragraphs are separated by blank lines; hard-wrapped lines
 * inside a paragraph are joined, since line breaks in a `.txt` are layout, not meaning.
 */
export class PlainTextParser implements DocumentParser {
  readonly format = 'text' as const;

  async parse(bytes: Uint8Array, options?: { fileName?: string; signal?: AbortSignal }): Promise<ParsedDocument> {
    throwIfAborted(options?.signal);
    try {
      const { text } = decodeText(bytes);
      const blocks = new BlockBuilder();
      for (const paragraph of splitParagraphs(text)) blocks.paragraph(paragraph);
      return finishDocument('text', blocks.toArray());
    } catch (error) {
      throw asParserError('text', error);
    }
  }
}

/** Splits on blank lines (lines holding only whitespace count as blank). */
export function splitParagraphs(text: string): string[] {
  return cleanText(text).split(/\n[ \t\u00A0]*\n+/);
}

export function createTextParser(): DocumentParser {
  return new PlainTextParser();
}
