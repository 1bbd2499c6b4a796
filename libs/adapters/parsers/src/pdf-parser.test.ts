import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_PARSER_LIMITS } from './limits';
import { buildPdf } from '../test/fixtures/pdf-builder';
import { cleanPdfTitle, joinLines, PdfParser } from './pdf-parser';

const parser = new PdfParser();

describe('PdfParser', () => {
  it('keeps page numbers, infers headings from font size and joins wrapped lines', async () => {
    const bytes = buildPdf(
      [
        {
          lines: [
            { text: 'Annual Report', size: 24 },
            { text: 'Introduction', size: 16, gapBefore: 8 },
            { text: 'The committee reviewed the exam-' },
            { text: 'ination results in detail.' },
            { text: 'A second paragraph follows after a gap.', gapBefore: 14 },
          ],
        },
        { lines: [{ text: 'Methods', size: 16 }, { text: 'Samples were taken weekly.' }] },
      ],
      { title: 'Report 2024' },
    );
    const doc = await parser.parse(bytes);
    expect(doc).toEqual({
      format: 'pdf',
      title: 'Report 2024',
      pageCount: 2,
      blocks: [
        { kind: 'heading', level: 1, text: 'Annual Report', page: 1 },
        { kind: 'heading', level: 2, text: 'Introduction', page: 1 },
        { kind: 'paragraph', text: 'The committee reviewed the examination results in detail.', page: 1 },
        { kind: 'paragraph', text: 'A second paragraph follows after a gap.', page: 1 },
        { kind: 'heading', level: 2, text: 'Methods', page: 2 },
        { kind: 'paragraph', text: 'Samples were taken weekly.', page: 2 },
      ],
    });
  });

  it('recognises bold headings that are only slightly larger, or the same size and alone', async () => {
    const doc = await parser.parse(
      buildPdf([
        {
          lines: [
            { text: 'Regional results', size: 13.5, bold: true },
            { text: 'Revenue grew in the north.', size: 12, gapBefore: 8 },
            { text: 'Outlook', size: 12, bold: true, gapBefore: 10 },
            { text: 'Stable, with a bold claim inside the text.', size: 12, gapBefore: 8 },
            { text: 'Note:', size: 12, bold: true, gapBefore: 10 },
            { text: 'A bold label ending in a colon is not a heading.', size: 12, gapBefore: 8 },
          ],
        },
      ]),
    );
    expect(doc.blocks.map((b) => (b.kind === 'heading' ? `h${b.level} ${b.text}` : b.text))).toEqual([
      'h1 Regional results',
      'Revenue grew in the north.',
      'h2 Outlook',
      'Stable, with a bold claim inside the text.',
      'Note:',
      'A bold label ending in a colon is not a heading.',
    ]);
  });

  it('does not detach the caller\'s buffer (pdfjs transfers what it is given)', async () => {
    const bytes = buildPdf([{ lines: [{ text: 'hello' }] }]);
    const length = bytes.length;
    await parser.parse(bytes);
    expect(bytes.length).toBe(length);
    expect(bytes.buffer.byteLength).toBeGreaterThan(0);
  });

  it('runs pdfjs in-process (no worker thread) and fetches nothing', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    try {
      await parser.parse(buildPdf([{ lines: [{ text: 'Offline text', size: 12 }] }]));
      expect(fetchSpy).not.toHaveBeenCalled();
    } finally {
      fetchSpy.mockRestore();
    }
    expect((globalThis as { pdfjsWorker?: { WorkerMessageHandler?: unknown } }).pdfjsWorker?.WorkerMessageHandler).toBeDefined();
  });

  it('stops with cancelled when the signal aborts during parsing', async () => {
    const big = buildPdf(Array.from({ length: 60 }, (_, p) => ({ lines: Array.from({ length: 40 }, (_, i) => ({ text: `Page ${p} line ${i} with some words.` })) })));
    const controller = new AbortController();
    const pending = parser.parse(big, { signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    await expect(pending).rejects.toMatchObject({ detail: { code: 'cancelled' } });
  });

  it('refuses more pages than the limit with invalid_input', async () => {
    const small = new PdfParser({ ...DEFAULT_PARSER_LIMITS, maxPdfPages: 1 });
    await expect(small.parse(buildPdf([{ lines: [{ text: 'a' }] }, { lines: [{ text: 'b' }] }]))).rejects.toMatchObject({
      detail: { code: 'invalid_input', reason: 'PDF has 2 pages, over the 1-page limit' },
    });
  });

  it('reads text pages of a PDF that also has scanned pages', async () => {
    const doc = await parser.parse(buildPdf([{ image: true }, { lines: [{ text: 'Typed appendix' }] }]));
    expect(doc.blocks).toEqual([{ kind: 'paragraph', text: 'Typed appendix', page: 2 }]);
  });
});

describe('page furniture', () => {
  it('drops running headers and page numbers but keeps the body and in-text numbers', async () => {
    const topics = ['revenue grew', 'costs fell', 'staff numbers rose', 'the outlook is stable'];
    const pages = topics.map((topic, i) => ({
      lines: [
        { text: 'ACME Corp Annual Report 2024', size: 9 },
        { text: `In this section ${topic}.`, gapBefore: 20 },
        { text: 'The figure for the year was' },
        { text: String(40 + i) },
        { text: 'according to the auditors,' },
        { text: `who signed in ${['March', 'April', 'May', 'June'][i]}.` },
        { text: `Page ${i + 1} of 4`, size: 9, gapBefore: 400 },
      ],
    }));
    const doc = await parser.parse(buildPdf(pages));
    expect(doc.blocks.map((b) => b.text)).toEqual(
      topics.map((topic, i) => `In this section ${topic}. The figure for the year was ${40 + i} according to the auditors, who signed in ${['March', 'April', 'May', 'June'][i]}.`),
    );
  });

  it('keeps section headings that open every page at the same height', async () => {
    const pages = ['Alpha', 'Beta', 'Gamma'].map((name, i) => ({
      lines: [{ text: `Section ${i + 1}`, size: 18 }, { text: `The ${name} part of the report has its own content.`, gapBefore: 10 }, { text: `${name} continues on a second line here.` }],
    }));
    const doc = await parser.parse(buildPdf(pages));
    expect(doc.blocks.filter((b) => b.kind === 'heading').map((b) => b.text)).toEqual(['Section 1', 'Section 2', 'Section 3']);
  });

  it('turns table-of-contents dot leaders into an ellipsis and never into headings', async () => {
    const doc = await parser.parse(
      buildPdf([{ lines: [{ text: 'Contents', size: 18 }, { text: '1 Introduction . . . . . . . . 3', size: 14, gapBefore: 10 }, { text: 'Body text here.', gapBefore: 10 }] }]),
    );
    expect(doc.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Contents', page: 1 },
      { kind: 'paragraph', text: '1 Introduction … 3', page: 1 },
      { kind: 'paragraph', text: 'Body text here.', page: 1 },
    ]);
  });
});

describe('cleanPdfTitle', () => {
  it('ignores print-driver titles and falls back to the first heading', async () => {
    expect(cleanPdfTitle('Microsoft Word - Q3 report.docx')).toBeUndefined();
    expect(cleanPdfTitle('Microsoft Word - Quarterly Report')).toBe('Quarterly Report');
    expect(cleanPdfTitle('Untitled')).toBeUndefined();
    expect(cleanPdfTitle('  A Real Title ')).toBe('A Real Title');
    const doc = await parser.parse(buildPdf([{ lines: [{ text: 'Field Notes', size: 20 }, { text: 'Body text that is longer than the heading.' }] }], { title: 'scan0001.pdf' }));
    expect(doc.title).toBe('Field Notes');
  });
});

describe('joinLines', () => {
  it('undoes end-of-line hyphenation only before a lowercase continuation', () => {
    expect(joinLines(['exam-', 'ple'])).toBe('example');
    expect(joinLines(['Jean-', 'Paul'])).toBe('Jean- Paul');
    expect(joinLines(['one', '', 'two'])).toBe('one two');
  });
});

const qpdf = spawnSync('qpdf', ['--version']).status === 0;

describe.skipIf(!qpdf)('PdfParser with qpdf-encrypted files (needs the qpdf Debian package)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'docrag-pdf-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const encrypt = (userPassword: string): Uint8Array => {
    const plain = path.join(dir, 'plain.pdf');
    const out = path.join(dir, `enc-${userPassword || 'empty'}.pdf`);
    writeFileSync(plain, buildPdf([{ lines: [{ text: 'Confidential figures' }] }]));
    execFileSync('qpdf', ['--encrypt', userPassword, 'owner-secret', '256', '--', plain, out]);
    return new Uint8Array(readFileSync(out));
  };

  it('reports a PDF with a user password as encrypted_file', async () => {
    await expect(parser.parse(encrypt('user-secret'))).rejects.toMatchObject({ detail: { code: 'encrypted_file', format: 'pdf' } });
  });

  it('opens a PDF encrypted with an empty user password (permissions only), as viewers do', async () => {
    const doc = await parser.parse(encrypt(''));
    expect(doc.blocks.map((b) => b.text)).toEqual(['Confidential figures']);
  });
});
