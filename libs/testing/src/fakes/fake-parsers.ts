import type { DocumentBlock, DocumentFormat, DocumentParsers, ParsedDocument } from '@docrag/domain';
import { RagError } from '@docrag/domain';
import { throwIfAborted } from './text';

/**
 * A tiny Markdown-ish parser for use-case tests: `#` lines become headings, blank lines separate
 * paragraphs, a form feed (`\f`) starts a new page. Bytes starting with `%PDF` are "pdf" (parsed
 * the same way, with pages), bytes starting with `PK` are rejected as unsupported, and text with
 * no words throws `no_text`.
 */
export class FakeParsers implements DocumentParsers {
  readonly parsed: string[] = [];
  failWith: Error | undefined;

  detect(bytes: Uint8Array, fileName?: string): DocumentFormat {
    const head = new TextDecoder().decode(bytes.subarray(0, 4));
    if (head === '%PDF') return 'pdf';
    if (head.startsWith('PK')) throw new RagError({ code: 'unsupported_format', detected: 'zip', ...(fileName ? { fileName } : {}) });
    return fileName?.endsWith('.md') ? 'markdown' : 'text';
  }

  async parse(bytes: Uint8Array, options?: { fileName?: string; signal?: AbortSignal }): Promise<ParsedDocument> {
    throwIfAborted(options?.signal);
    const format = this.detect(bytes, options?.fileName);
    if (this.failWith) throw this.failWith;
    let text = new TextDecoder().decode(bytes);
    if (format === 'pdf') text = text.slice(4);
    this.parsed.push(options?.fileName ?? '');
    const paged = format === 'pdf';
    const blocks: DocumentBlock[] = [];
    const pages = text.split('\f');
    pages.forEach((pageText, p) => {
      const page = paged ? { page: p + 1 } : {};
      for (const para of pageText.split(/\n\s*\n/)) {
        const trimmed = para.trim();
        if (!trimmed) continue;
        const heading = /^(#{1,6})\s+(.*)$/.exec(trimmed);
        if (heading) blocks.push({ kind: 'heading', level: heading[1]!.length, text: heading[2]!.trim(), ...page });
        else blocks.push({ kind: 'paragraph', text: trimmed.replace(/\s+/g, ' '), ...page });
      }
    });
    if (!blocks.some((b) => /[\p{L}\p{N}]/u.test(b.text))) throw new RagError({ code: 'no_text', format });
    return { format, blocks, ...(paged ? { pageCount: pages.length } : {}) };
  }
}
