import { describe, expect, it } from 'vitest';
import { buildDoc, buildOle } from '../test/fixtures/ole-builder';
import { DocParser } from './doc-parser';
import { OleFile } from './ole';

const parser = new DocParser();

describe('DocParser', () => {
  it('extracts paragraphs, keeping Windows-1252 punctuation', async () => {
    const doc = await parser.parse(buildDoc(['Minutes of the meeting', 'Budget approved – “unanimously”.', '', 'Next meeting in May.']));
    expect(doc).toEqual({
      format: 'doc',
      blocks: [
        { kind: 'paragraph', text: 'Minutes of the meeting' },
        { kind: 'paragraph', text: 'Budget approved – “unanimously”.' },
        { kind: 'paragraph', text: 'Next meeting in May.' },
      ],
    });
  });

  it('refuses Word 6/95 files as unsupported_format', async () => {
    const doc = buildDoc(['old']);
    // The WordDocument stream starts at sector 2 (after the FAT and directory sectors).
    new DataView(doc.buffer).setUint16(3 * 512, 0xa5dc, true);
    await expect(parser.parse(doc, { fileName: 'old.doc' })).rejects.toMatchObject({
      detail: { code: 'unsupported_format', detected: 'doc-word6', fileName: 'old.doc' },
    });
  });

  it('refuses an OLE file that is not a Word document', async () => {
    await expect(parser.parse(buildOle({ Workbook: new Uint8Array(100) }))).rejects.toMatchObject({
      detail: { code: 'corrupt_file', format: 'doc', reason: 'WordDocument stream is missing' },
    });
  });
});

describe('OleFile', () => {
  it('lists streams and reads them back', () => {
    const data = new Uint8Array(5000).map((_, i) => i % 251);
    const ole = new OleFile(buildOle({ Alpha: data, Beta: new Uint8Array([1, 2, 3]) }), 'doc');
    expect(ole.entries.map((e) => e.name)).toEqual(['Root Entry', 'Alpha', 'Beta']);
    expect(ole.stream('Alpha')).toEqual(data);
    expect(ole.stream('missing')).toBeUndefined();
  });
});
