import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeText } from './text-decoding';
import { PlainTextParser } from './text-parser';

const russian = 'Привет! Это документ на русском языке, сохранённый в старой кодировке. Его нужно прочитать правильно.';
const french = 'Café crème brûlée, naïve façade: résumé of the déjà vu in Zürich. Ça va très bien, merci beaucoup.';

describe('decodeText', () => {
  it.each([
    ['utf-8', new Uint8Array(Buffer.from(russian, 'utf8')), russian],
    ['utf-8', new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(french, 'utf8')]), french],
    ['utf-16le', new Uint8Array([0xff, 0xfe, ...Buffer.from(french, 'utf16le')]), french],
    ['utf-16be', new Uint8Array([0xfe, 0xff, ...iconv.encode(russian, 'utf-16be')]), russian],
    ['utf-16le', new Uint8Array(Buffer.from(french, 'utf16le')), french],
    ['windows-1251', new Uint8Array(iconv.encode(russian, 'windows-1251')), russian],
    ['iso-8859-1', new Uint8Array(iconv.encode(french, 'latin1')), french],
  ])('decodes %s', (encoding, bytes, text) => {
    expect(decodeText(bytes)).toEqual({ encoding, text });
  });
});

describe('PlainTextParser', () => {
  it('splits paragraphs on blank lines, joins wrapped lines and strips control characters', async () => {
    const text = 'First line\r\nwraps here.\r\n\r\n  \r\nSecond\u0007 para\u00ADgraph\u200B.\n\n\n';
    const doc = await new PlainTextParser().parse(new Uint8Array(Buffer.from(text)));
    expect(doc).toEqual({
      format: 'text',
      blocks: [
        { kind: 'paragraph', text: 'First line wraps here.' },
        { kind: 'paragraph', text: 'Second paragraph.' },
      ],
    });
  });

  it('reads a cp1251 file end to end', async () => {
    const doc = await new PlainTextParser().parse(new Uint8Array(iconv.encode(`${russian}\n\n${russian}`, 'windows-1251')));
    expect(doc.blocks).toEqual([
      { kind: 'paragraph', text: russian },
      { kind: 'paragraph', text: russian },
    ]);
  });
});
