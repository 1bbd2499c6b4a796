import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { isRagErrorCode } from '@docrag/domain';
import { buildDoc, buildOle } from '../test/fixtures/ole-builder';
import { buildPdf } from '../test/fixtures/pdf-builder';
import { buildDocx, buildEpub } from '../test/fixtures/zip-builders';
import { detectFormat, guessUtf16, isMarkdown } from './sniff';

function detectError(bytes: Uint8Array, name?: string): unknown {
  try {
    detectFormat(bytes, name);
  } catch (error) {
    return error;
  }
  throw new Error('expected detectFormat to throw');
}

const pdf = buildPdf([{ lines: [{ text: 'hello' }] }]);
const docx = buildDocx([{ text: 'hello' }]);
const epub = buildEpub([{ id: 'c1', body: '<p>hello</p>' }]);
const doc = buildDoc(['hello']);

describe('detectFormat', () => {
  it.each([
    ['pdf', pdf, 'a.pdf'],
    ['docx', docx, 'a.docx'],
    ['epub', epub, 'a.epub'],
    ['doc', doc, 'a.doc'],
    ['markdown', strToU8('hello'), 'notes.md'],
    ['text', strToU8('hello'), 'notes.txt'],
  ])('detects %s from content', (format, bytes, name) => {
    expect(detectFormat(bytes, name)).toBe(format);
  });

  it('ignores a wrong extension: a PDF named .docx is a PDF, a DOCX named .pdf a DOCX', () => {
    expect(detectFormat(pdf, 'report.docx')).toBe('pdf');
    expect(detectFormat(docx, 'report.pdf')).toBe('docx');
    expect(detectFormat(epub, 'book.txt')).toBe('epub');
    expect(detectFormat(doc, 'old.docx')).toBe('doc');
  });

  it('accepts a PDF header after leading junk within 1 KB', () => {
    const prefixed = new Uint8Array([...strToU8('junk\n'.repeat(10)), ...pdf]);
    expect(detectFormat(prefixed)).toBe('pdf');
  });

  it('reports a password-protected DOCX (OLE container) as docx so its parser can say it is encrypted', () => {
    const encrypted = buildOle({ EncryptionInfo: new Uint8Array(64), EncryptedPackage: new Uint8Array(64) });
    expect(detectFormat(encrypted, 'secret.docx')).toBe('docx');
  });

  it.each([
    ['elf-executable', new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0])],
    ['windows-executable', new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0])],
    ['png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
    ['jpeg', new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10])],
    ['gzip', new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0])],
    ['rtf', strToU8('{\\rtf1\\ansi hello}')],
    ['zip', zipSync({ 'photo.jpg': new Uint8Array([1, 2, 3]), 'readme.txt': strToU8('hi') })],
    ['xlsx', zipSync({ '[Content_Types].xml': strToU8('<Types/>'), 'xl/workbook.xml': strToU8('<workbook/>') })],
    ['xls', buildOle({ Workbook: new Uint8Array(10) })],
    ['binary', new Uint8Array([0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0xff, 0xfe])],
  ])('refuses %s as unsupported_format, naming what it is', (detected, bytes) => {
    const error = detectError(bytes, 'upload.pdf');
    expect(isRagErrorCode(error, 'unsupported_format')).toBe(true);
    expect(isRagErrorCode(error, 'unsupported_format') && error.detail).toEqual({ code: 'unsupported_format', detected, fileName: 'upload.pdf' });
  });

  it('refuses an empty file as empty_file', () => {
    expect(isRagErrorCode(detectError(new Uint8Array(0)), 'empty_file')).toBe(true);
  });

  it('recognises BOM-less UTF-16 as text rather than binary', () => {
    const le = new Uint8Array(Buffer.from('Hello, plain text in UTF-16.', 'utf16le'));
    expect(guessUtf16(le)).toBe('utf-16le');
    expect(detectFormat(le)).toBe('text');
  });
});

describe('isMarkdown', () => {
  it('trusts Markdown extensions and plain-text extensions', () => {
    expect(isMarkdown(strToU8('no markup at all'), 'README.markdown')).toBe(true);
    expect(isMarkdown(strToU8('# Heading\n\n```\ncode\n```'), 'log.txt')).toBe(false);
  });

  it('recognises Markdown structure in a file without an extension', () => {
    expect(isMarkdown(strToU8('# Title\n\nSee [docs](http://x.y).\n\n## Part\n'))).toBe(true);
    expect(isMarkdown(strToU8('Just a letter.\n\nKind regards,\nAnn'))).toBe(false);
    // A single hash-prefixed line is not enough evidence.
    expect(isMarkdown(strToU8('#1 priority: ship it\n'))).toBe(false);
  });
});
