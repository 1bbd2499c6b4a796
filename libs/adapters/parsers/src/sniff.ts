import { RagError } from '@docrag/domain';
import type { DocumentFormat } from '@docrag/domain';
import { OleFile, looksLikeOle } from './ole';
import { looksLikeZip, readZipDirectory } from './zip';

/**
 * Magic numbers of common files people send by mistake. Naming them turns "unsupported format"
 * into something a user can act on ("that is a PNG image").
 */
const KNOWN_BINARY: ReadonlyArray<{ readonly name: string; readonly magic: readonly number[]; readonly at?: number }> = [
  { name: 'elf-executable', magic: [0x7f, 0x45, 0x4c, 0x46] },
  { name: 'windows-executable', magic: [0x4d, 0x5a] },
  { name: 'mach-o-executable', magic: [0xcf, 0xfa, 0xed, 0xfe] },
  { name: 'png', magic: [0x89, 0x50, 0x4e, 0x47] },
  { name: 'jpeg', magic: [0xff, 0xd8, 0xff] },
  { name: 'gif', magic: [0x47, 0x49, 0x46, 0x38] },
  { name: 'webp', magic: [0x57, 0x45, 0x42, 0x50], at: 8 },
  { name: 'tiff', magic: [0x49, 0x49, 0x2a, 0x00] },
  { name: 'tiff', magic: [0x4d, 0x4d, 0x00, 0x2a] },
  { name: 'gzip', magic: [0x1f, 0x8b] },
  { name: 'bzip2', magic: [0x42, 0x5a, 0x68] },
  { name: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { name: '7z', magic: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { name: 'rar', magic: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07] },
  { name: 'rtf', magic: [0x7b, 0x5c, 0x72, 0x74, 0x66] },
  { name: 'mp3', magic: [0x49, 0x44, 0x33] },
  { name: 'ogg', magic: [0x4f, 0x67, 0x67, 0x53] },
  { name: 'mp4', magic: [0x66, 0x74, 0x79, 0x70], at: 4 },
  { name: 'wasm', magic: [0x00, 0x61, 0x73, 0x6d] },
  { name: 'sqlite', magic: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66] },
];

/** PDF readers accept `%PDF-` anywhere in the first 1024 bytes (PDF 32000-1 Annex H.3, note 13). */
const PDF_HEADER_WINDOW = 1024;
const MARKDOWN_EXTENSIONS = /\.(md|markdown|mdown|mkd|mdx)$/i;
const TEXT_PROBE_BYTES = 64 * 1024;

/**
 * Detects the format from content. Zip and OLE containers are opened (directory only) to tell
 * DOCX from EPUB from other Office files. The file name is used only to choose between Markdown
 * and plain text, both of which are text.
 *
 * @throws RagError `empty_file` or `unsupported_format` (with `detected` naming what it is).
 */
export function detectFormat(bytes: Uint8Array, fileName?: string): DocumentFormat {
  if (bytes.length === 0) throw new RagError({ code: 'empty_file' });
  const unsupported = (detected: string): RagError =>
    new RagError({ code: 'unsupported_format', detected, ...(fileName ? { fileName } : {}) });

  if (findPdfHeader(bytes) >= 0) return 'pdf';
  if (looksLikeZip(bytes)) {
    const kind = classifyZip(bytes);
    if (kind === 'docx' || kind === 'epub') return kind;
    throw unsupported(kind);
  }
  if (looksLikeOle(bytes)) {
    const kind = classifyOle(bytes);
    if (kind === 'doc' || kind === 'docx') return kind;
    throw unsupported(kind);
  }
  for (const known of KNOWN_BINARY) {
    const at = known.at ?? 0;
    if (known.magic.every((b, i) => bytes[at + i] === b)) throw unsupported(known.name);
  }
  if (!looksLikeText(bytes)) throw unsupported('binary');
  return isMarkdown(bytes, fileName) ? 'markdown' : 'text';
}

export function findPdfHeader(bytes: Uint8Array): number {
  const limit = Math.min(bytes.length - 5, PDF_HEADER_WINDOW);
  for (let i = 0; i <= limit; i++) {
    if (bytes[i] === 0x25 && bytes[i + 1] === 0x50 && bytes[i + 2] === 0x44 && bytes[i + 3] === 0x46 && bytes[i + 4] === 0x2d) return i;
  }
  return -1;
}

/** `docx`, `epub`, or the name of another zip-based format (`xlsx`, `pptx`, `odt`, `zip`). */
export function classifyZip(bytes: Uint8Array): string {
  let names: string[];
  try {
    names = readZipDirectory(bytes, 'docx').map((e) => e.name);
  } catch {
    // A zip whose directory cannot be read: say it is a damaged DOCX only if the local headers
    // say so, otherwise call it a zip.
    const head = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 4096)));
    if (head.includes('word/')) return 'docx';
    if (head.includes('mimetypeapplication/epub+zip')) return 'epub';
    return 'zip';
  }
  const set = new Set(names);
  if (set.has('word/document.xml') || (set.has('[Content_Types].xml') && names.some((n) => n.startsWith('word/')))) return 'docx';
  if (set.has('META-INF/container.xml') && (set.has('mimetype') || names.some((n) => n.endsWith('.opf')))) return 'epub';
  if (names.some((n) => n.startsWith('xl/'))) return 'xlsx';
  if (names.some((n) => n.startsWith('ppt/'))) return 'pptx';
  if (set.has('mimetype') && set.has('content.xml')) return 'opendocument';
  return 'zip';
}

/** `doc`, `docx` (password-protected OOXML), or another OLE kind (`xls`, `ppt`, `msg`, `ole`). */
export function classifyOle(bytes: Uint8Array): string {
  let names: Set<string>;
  try {
    names = new Set(new OleFile(bytes, 'doc').entries.map((e) => e.name.toLowerCase()));
  } catch {
    return 'doc';
  }
  if (names.has('encryptioninfo') && names.has('encryptedpackage')) return 'docx';
  if (names.has('worddocument')) return 'doc';
  if (names.has('workbook') || names.has('book')) return 'xls';
  if (names.has('powerpoint document')) return 'ppt';
  if ([...names].some((n) => n.startsWith('__substg1.0_'))) return 'msg';
  return 'ole';
}

/**
 * Text if it decodes without many control characters. UTF-16 without a BOM has NUL bytes in
 * every other position, which is recognised before the NUL test that rejects binaries.
 */
export function looksLikeText(bytes: Uint8Array): boolean {
  const probe = bytes.subarray(0, Math.min(bytes.length, TEXT_PROBE_BYTES));
  if (hasUtf16Bom(probe) || guessUtf16(probe) !== undefined) return true;
  let suspicious = 0;
  for (const b of probe) {
    if (b === 0) return false;
    if (b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b)) suspicious++;
  }
  return suspicious / probe.length < 0.02;
}

export function hasUtf16Bom(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
}

/** Detects BOM-less UTF-16 from the share of NUL bytes in even vs odd positions. */
export function guessUtf16(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 4) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenNul++;
    if (bytes[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  if (oddNul / pairs > 0.3 && evenNul / pairs < 0.05) return 'utf-16le';
  if (evenNul / pairs > 0.3 && oddNul / pairs < 0.05) return 'utf-16be';
  return undefined;
}

/**
 * Markdown when the name says so, or when the text carries at least two Markdown structures
 * (ATX headings, Setext underlines, fenced code, links) in its first 64 KB.
 */
export function isMarkdown(bytes: Uint8Array, fileName?: string): boolean {
  if (fileName && MARKDOWN_EXTENSIONS.test(fileName)) return true;
  if (fileName && /\.(txt|text|log|csv|tsv)$/i.test(fileName)) return false;
  const text = new TextDecoder('utf-8').decode(bytes.subarray(0, Math.min(bytes.length, TEXT_PROBE_BYTES)));
  let score = 0;
  score += Math.min(2, (text.match(/^#{1,6}[ \t]+\S/gm) ?? []).length);
  score += Math.min(1, (text.match(/^\S.*\n(=+|-{3,})[ \t]*$/gm) ?? []).length);
  score += Math.min(1, (text.match(/^(```|~~~)/gm) ?? []).length);
  score += Math.min(1, (text.match(/\[[^\]\n]+\]\([^)\s]+\)/g) ?? []).length);
  return score >= 2;
}
