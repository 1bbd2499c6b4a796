import { strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { isRagError } from '@docrag/domain';
import type { DocumentFormat, DocumentParser, RagError } from '@docrag/domain';
import { BAD_FILES } from '../test/fixtures/bad-files';
import { buildDoc } from '../test/fixtures/ole-builder';
import { buildPdf } from '../test/fixtures/pdf-builder';
import { buildDocx, buildEpub } from '../test/fixtures/zip-builders';
import { createDocumentParsers } from './document-parsers';
import { checkFileSize, parserLimitsFromMegabytes } from './limits';

const parsers = createDocumentParsers();

async function parseError(bytes: Uint8Array, fileName: string, p = parsers): Promise<RagError> {
  try {
    const doc = await p.parse(bytes, { fileName });
    throw new Error(`expected a RagError, got a document with ${doc.blocks.length} blocks`);
  } catch (error) {
    if (!isRagError(error)) throw error;
    return error;
  }
}

describe('bad-file corpus', () => {
  it.each(BAD_FILES.map((f) => [f.name, f] as const))('%s', async (_name, file) => {
    const error = await parseError(file.bytes(), file.fileName);
    if (file.expected.code === 'corrupt_file') {
      expect(error.detail).toMatchObject(file.expected);
      expect(error.detail.code === 'corrupt_file' && error.detail.reason.length).toBeGreaterThan(0);
    } else {
      expect(error.detail).toEqual(file.expected);
    }
  });
});

describe('good files of every format', () => {
  const cases: ReadonlyArray<[DocumentFormat, Uint8Array, string]> = [
    ['pdf', buildPdf([{ lines: [{ text: 'Quarterly results', size: 20 }, { text: 'Revenue grew by ten percent.' }] }]), 'q.pdf'],
    ['docx', buildDocx([{ text: 'Quarterly results', style: 'Heading1' }, { text: 'Revenue grew by ten percent.' }]), 'q.docx'],
    ['doc', buildDoc(['Quarterly results', 'Revenue grew by ten percent.']), 'q.doc'],
    ['epub', buildEpub([{ id: 'c1', title: 'Quarterly results', body: '<p>Revenue grew by ten percent.</p>' }]), 'q.epub'],
    ['markdown', strToU8('# Quarterly results\n\nRevenue grew by ten percent.\n'), 'q.md'],
    ['text', strToU8('Quarterly results\n\nRevenue grew by ten percent.\n'), 'q.txt'],
  ];
  it.each(cases)('parses %s', async (format, bytes, fileName) => {
    const doc = await parsers.parse(bytes, { fileName });
    expect(doc.format).toBe(format);
    const text = doc.blocks.map((b) => b.text).join('\n');
    expect(text).toContain('Quarterly results');
    expect(text).toContain('Revenue grew by ten percent.');
  });

  it('parses a PDF named .docx as a PDF', async () => {
    const doc = await parsers.parse(buildPdf([{ lines: [{ text: 'Actually a PDF' }] }]), { fileName: 'report.docx' });
    expect(doc.format).toBe('pdf');
    expect(doc.blocks[0]).toEqual({ kind: 'paragraph', text: 'Actually a PDF', page: 1 });
  });
});

describe('limits', () => {
  it('applies a configured MAX_FILE_MB', async () => {
    const p = createDocumentParsers({ limits: parserLimitsFromMegabytes({ maxFileMb: 0.001 }) });
    const error = await parseError(strToU8('x'.repeat(2000)), 'a.txt', p);
    expect(error.detail).toEqual({ code: 'file_too_large', sizeBytes: 2000, limitBytes: 1049 });
  });

  it('checkFileSize lets the bot refuse before downloading', () => {
    expect(() => checkFileSize(0)).toThrow(expect.objectContaining({ detail: { code: 'empty_file' } }));
    expect(() => checkFileSize(21 * 1024 * 1024)).toThrow(expect.objectContaining({ detail: { code: 'file_too_large', sizeBytes: 21 * 1024 * 1024, limitBytes: 10 * 1024 * 1024 } }));
    expect(() => checkFileSize(5 * 1024 * 1024)).not.toThrow();
  });

  it('parserLimitsFromMegabytes converts megabytes and keeps defaults', () => {
    expect(parserLimitsFromMegabytes({ maxFileMb: 20, maxArchiveEntries: 50 })).toEqual({
      maxFileBytes: 20 * 1024 * 1024,
      maxArchiveUncompressedBytes: 100 * 1024 * 1024,
      maxArchiveEntries: 50,
      maxPdfPages: 2000,
    });
  });
});

describe('dispatch', () => {
  it('uses an injected parser for a format', async () => {
    const fake: DocumentParser = { format: 'text', parse: async () => ({ format: 'text', blocks: [{ kind: 'paragraph', text: 'from fake' }] }) };
    const p = createDocumentParsers({ parsers: { text: fake } });
    expect((await p.parse(strToU8('hello'), { fileName: 'a.txt' })).blocks[0]?.text).toBe('from fake');
  });

  it('honours an aborted signal before doing any work', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(parsers.parse(strToU8('hello'), { signal: controller.signal })).rejects.toMatchObject({ detail: { code: 'cancelled' } });
  });
});
