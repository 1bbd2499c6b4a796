import chardet from 'chardet';
import iconv from 'iconv-lite';
import { guessUtf16 } from './sniff';

export interface DecodedText {
  readonly text: string;
  /** The encoding used, e.g. `utf-8`, `utf-16le`, `windows-1251`. */
  readonly encoding: string;
}

/**
 * Decodes text of unknown encoding: BOMs first (UTF-8, UTF-16 LE/BE), then BOM-less UTF-16 by
 * NUL positions, then strict UTF-8 (valid UTF-8 is almost never another encoding by accident),
 * then chardet's statistical guess (cp1251, latin1, Shift_JIS, ...), decoded by iconv-lite.
 * Falls back to windows-1252, which maps every byte, so decoding itself never fails.
 */
export function decodeText(bytes: Uint8Array): DecodedText {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { text: utf8(bytes.subarray(3)), encoding: 'utf-8' };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: iconv.decode(Buffer.from(bytes.subarray(2)), 'utf-16le'), encoding: 'utf-16le' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: iconv.decode(Buffer.from(bytes.subarray(2)), 'utf-16be'), encoding: 'utf-16be' };
  const utf16 = guessUtf16(bytes);
  if (utf16) return { text: iconv.decode(Buffer.from(bytes), utf16), encoding: utf16 };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    // not UTF-8: guess below
  }
  const guess = chardet.detect(bytes.subarray(0, Math.min(bytes.length, 256 * 1024)));
  const encoding = guess && guess.toLowerCase() !== 'utf-8' && iconv.encodingExists(guess) ? guess.toLowerCase() : 'windows-1252';
  return { text: iconv.decode(Buffer.from(bytes), encoding), encoding };
}

function utf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}
