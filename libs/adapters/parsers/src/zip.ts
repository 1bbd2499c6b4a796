import { Inflate } from 'fflate';
import { RagError } from '@docrag/domain';
import type { DocumentFormat } from '@docrag/domain';
import { corruptFile } from './errors';

/** One file listed in a zip's central directory (nothing inflated yet). */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly flags: number;
  readonly compressedSize: number;
  /** As declared by the archive: only trusted after inflating checks it. */
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
}

export interface ZipLimits {
  readonly maxUncompressedBytes: number;
  readonly maxEntries: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
/** EOCD is 22 bytes plus a comment of at most 65535 bytes (APPNOTE 4.3.16). */
const EOCD_SEARCH_WINDOW = 22 + 0xffff;
/** Compressed input is fed to the inflater in small slices so a bomb is caught after at most
 * ~1032 x this many output bytes (deflate's maximum ratio), not after the whole entry. */
const INFLATE_SLICE = 16 * 1024;

/** True when the bytes start like a zip archive (local header, or the empty-archive EOCD). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5 || bytes[2] === 7);
}

/**
 * Reads a zip's central directory without inflating anything.
 * @throws RagError `corrupt_file` when the directory is missing, truncated or inconsistent.
 */
export function readZipDirectory(bytes: Uint8Array, format: DocumentFormat): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEocd(view);
  if (eocd < 0) throw corruptFile(format, 'zip end-of-central-directory record not found (truncated file?)');
  const entryCount = view.getUint16(eocd + 10, true);
  const directorySize = view.getUint32(eocd + 12, true);
  const directoryOffset = view.getUint32(eocd + 16, true);
  if (entryCount === 0xffff || directoryOffset === 0xffffffff) {
    throw corruptFile(format, 'ZIP64 archives are not supported for documents');
  }
  if (directoryOffset + directorySize > eocd) throw corruptFile(format, 'zip central directory lies outside the file');

  const entries: ZipEntry[] = [];
  const decoder = new TextDecoder();
  let at = directoryOffset;
  for (let i = 0; i < entryCount; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL_SIGNATURE) {
      throw corruptFile(format, `zip central directory entry ${i} is damaged`);
    }
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    if (at + 46 + nameLength > bytes.length) throw corruptFile(format, `zip central directory entry ${i} is truncated`);
    entries.push({
      flags: view.getUint16(at + 8, true),
      method: view.getUint16(at + 10, true),
      compressedSize: view.getUint32(at + 20, true),
      uncompressedSize: view.getUint32(at + 24, true),
      localHeaderOffset: view.getUint32(at + 42, true),
      name: decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength)),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * Checks the declared sizes against the limits BEFORE inflating: a zip bomb is refused from its
 * directory alone. (Declared sizes can lie; `inflateEntry` enforces them again while inflating.)
 */
export function checkZipLimits(entries: readonly ZipEntry[], limits: ZipLimits, format: DocumentFormat): void {
  if (entries.length > limits.maxEntries) {
    throw new RagError({ code: 'archive_limit', format, reason: 'entry_count', limit: limits.maxEntries });
  }
  let total = 0;
  for (const entry of entries) {
    total += entry.uncompressedSize;
    if (total > limits.maxUncompressedBytes) {
      throw new RagError({ code: 'archive_limit', format, reason: 'uncompressed_size', limit: limits.maxUncompressedBytes });
    }
  }
}

/** Tracks the bytes actually produced across all entries of one archive. */
export class InflateBudget {
  private used = 0;
  constructor(
    private readonly limitBytes: number,
    private readonly format: DocumentFormat,
  ) {}

  charge(bytes: number): void {
    this.used += bytes;
    if (this.used > this.limitBytes) {
      throw new RagError({ code: 'archive_limit', format: this.format, reason: 'uncompressed_size', limit: this.limitBytes });
    }
  }
}

/**
 * Inflates one entry, refusing to produce more than the entry declared or more than the
 * archive's remaining budget, whichever comes first.
 */
export function inflateEntry(bytes: Uint8Array, entry: ZipEntry, budget: InflateBudget, format: DocumentFormat): Uint8Array {
  if (entry.flags & 0x1) throw new RagError({ code: 'encrypted_file', format });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const local = entry.localHeaderOffset;
  if (local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL_SIGNATURE) {
    throw corruptFile(format, `zip entry ${entry.name} has no local header`);
  }
  const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.length) throw corruptFile(format, `zip entry ${entry.name} is truncated`);
  const data = bytes.subarray(start, end);

  if (entry.method === 0) {
    if (entry.compressedSize !== entry.uncompressedSize) throw corruptFile(format, `zip entry ${entry.name} has inconsistent sizes`);
    budget.charge(data.length);
    return data;
  }
  if (entry.method !== 8) throw corruptFile(format, `zip entry ${entry.name} uses unsupported compression method ${entry.method}`);

  const parts: Uint8Array[] = [];
  let produced = 0;
  let finished = false;
  const inflater = new Inflate((chunk, final) => {
    produced += chunk.length;
    // The archive budget first: an entry that lies about its size AND blows the budget is a bomb.
    budget.charge(chunk.length);
    if (produced > entry.uncompressedSize) {
      throw corruptFile(format, `zip entry ${entry.name} inflates past its declared size`);
    }
    parts.push(chunk);
    if (final) finished = true;
  });
  try {
    for (let offset = 0; offset < data.length; offset += INFLATE_SLICE) {
      const slice = data.subarray(offset, Math.min(offset + INFLATE_SLICE, data.length));
      inflater.push(slice, offset + INFLATE_SLICE >= data.length);
    }
    if (data.length === 0) inflater.push(new Uint8Array(0), true);
  } catch (error) {
    if (error instanceof RagError) throw error;
    throw corruptFile(format, `zip entry ${entry.name} is damaged: ${(error as Error).message}`, error);
  }
  if (!finished || produced !== entry.uncompressedSize) {
    throw corruptFile(format, `zip entry ${entry.name} is truncated or damaged`);
  }
  return concat(parts, produced);
}

/**
 * A zip opened for reading under limits: the directory is checked up front, entries are
 * inflated on demand and every byte produced counts against one budget.
 */
export class SafeZip {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  private readonly budget: InflateBudget;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly format: DocumentFormat,
    limits: ZipLimits,
  ) {
    const list = readZipDirectory(bytes, format);
    checkZipLimits(list, limits, format);
    this.entries = new Map(list.map((entry) => [entry.name, entry]));
    this.budget = new InflateBudget(limits.maxUncompressedBytes, format);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  read(name: string): Uint8Array | undefined {
    const entry = this.entries.get(name);
    return entry ? inflateEntry(this.bytes, entry, this.budget, this.format) : undefined;
  }

  readText(name: string): string | undefined {
    const data = this.read(name);
    return data === undefined ? undefined : new TextDecoder().decode(data);
  }

  /** Inflates every file entry (directories skipped). */
  readAll(): Record<string, Uint8Array> {
    const out: Record<string, Uint8Array> = {};
    for (const [name, entry] of this.entries) {
      if (name.endsWith('/')) continue;
      out[name] = inflateEntry(this.bytes, entry, this.budget, this.format);
    }
    return out;
  }
}

function findEocd(view: DataView): number {
  const stop = Math.max(0, view.byteLength - EOCD_SEARCH_WINDOW);
  for (let at = view.byteLength - 22; at >= stop; at--) {
    if (view.getUint32(at, true) === EOCD_SIGNATURE) return at;
  }
  return -1;
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
