import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { buildDocx, docxFiles, lieAboutSizes } from '../test/fixtures/zip-builders';
import { DocxParser } from './docx-parser';
import { DEFAULT_PARSER_LIMITS } from './limits';

const MB = 1024 * 1024;
const parser = new DocxParser();
const small = new DocxParser({ ...DEFAULT_PARSER_LIMITS, maxArchiveUncompressedBytes: MB });

/** A DOCX carrying `size` bytes of zeros in one extra part: deflates ~1000:1. */
function paddedDocx(size: number): Uint8Array {
  const files = docxFiles([{ text: 'Body text' }]);
  files['word/media/zeros.bin'] = new Uint8Array(size);
  return zipSync(files);
}

describe('DocxParser', () => {
  it('keeps heading styles as levelled headings, tables as rows, and the core title', async () => {
    const doc = await parser.parse(
      buildDocx(
        [
          { text: 'Employee Handbook', style: 'Title' },
          { text: 'Leave', style: 'Heading1' },
          { text: 'Annual leave', style: 'Heading2' },
          { text: 'Staff get 25 days & public holidays.' },
          { text: 'Carry-over', style: 'Heading3' },
          { table: [['Years', 'Days'], ['0-5', '25'], ['5+', '28']] },
        ],
        { title: 'Handbook 2025' },
      ),
    );
    expect(doc).toEqual({
      format: 'docx',
      title: 'Handbook 2025',
      blocks: [
        { kind: 'heading', level: 1, text: 'Employee Handbook' },
        { kind: 'heading', level: 1, text: 'Leave' },
        { kind: 'heading', level: 2, text: 'Annual leave' },
        { kind: 'paragraph', text: 'Staff get 25 days & public holidays.' },
        { kind: 'heading', level: 3, text: 'Carry-over' },
        { kind: 'paragraph', text: 'Years | Days' },
        { kind: 'paragraph', text: '0-5 | 25' },
        { kind: 'paragraph', text: '5+ | 28' },
      ],
    });
  });

  it('falls back to the first heading for the title', async () => {
    const doc = await parser.parse(buildDocx([{ text: 'Design notes', style: 'Heading1' }, { text: 'x y z' }]));
    expect(doc.title).toBe('Design notes');
  });

  it('parses an archive under the limits', async () => {
    const doc = await small.parse(paddedDocx(MB / 2));
    expect(doc.blocks).toEqual([{ kind: 'paragraph', text: 'Body text' }]);
  });

  it('refuses a real zip bomb from its directory, before inflating', async () => {
    await expect(small.parse(paddedDocx(3 * MB))).rejects.toMatchObject({
      detail: { code: 'archive_limit', format: 'docx', reason: 'uncompressed_size', limit: MB },
    });
  });

  it('still stops a bomb whose headers lie about its size, while inflating', async () => {
    const lying = lieAboutSizes(paddedDocx(3 * MB), 100, 'word/media/zeros.bin');
    await expect(small.parse(lying)).rejects.toMatchObject({
      detail: { code: 'archive_limit', format: 'docx', reason: 'uncompressed_size', limit: MB },
    });
  });

  it('reports an entry that inflates past its declared size (within the budget) as corrupt', async () => {
    const lying = lieAboutSizes(paddedDocx(64 * 1024), 10, 'word/media/zeros.bin');
    await expect(parser.parse(lying)).rejects.toMatchObject({ detail: { code: 'corrupt_file', format: 'docx' } });
  });

  it('reports zip-level (traditional PKWARE) encryption as encrypted_file', async () => {
    const zip = zipSync(docxFiles([{ text: 'x' }]));
    const view = new DataView(zip.buffer);
    for (let i = 0; i + 4 <= zip.length; i++) {
      if (view.getUint32(i, true) === 0x02014b50) view.setUint16(i + 8, view.getUint16(i + 8, true) | 1, true);
    }
    await expect(parser.parse(zip)).rejects.toMatchObject({ detail: { code: 'encrypted_file', format: 'docx' } });
  });

  it('reports damaged deflate data as corrupt_file', async () => {
    const files = docxFiles([{ text: 'Some body text that compresses. '.repeat(50) }]);
    const zip = zipSync(files);
    const damaged = zip.slice();
    // Overwrite the middle of the archive (inside compressed data) with noise.
    for (let i = Math.floor(zip.length * 0.4); i < Math.floor(zip.length * 0.45); i++) damaged[i] = 0xff;
    await expect(parser.parse(damaged)).rejects.toMatchObject({ detail: { code: 'corrupt_file', format: 'docx' } });
  });

  it('refuses ZIP64 and unknown compression methods as corrupt_file', async () => {
    const zip = zipSync({ ...docxFiles([{ text: 'x' }]), 'extra.bin': strToU8('data') });
    const view = new DataView(zip.buffer);
    for (let i = 0; i + 4 <= zip.length; i++) {
      if (view.getUint32(i, true) === 0x02014b50) view.setUint16(i + 10, 99, true);
    }
    await expect(parser.parse(zip)).rejects.toMatchObject({ detail: { code: 'corrupt_file', format: 'docx' } });
  });
});
