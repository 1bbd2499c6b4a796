import type { DocumentFormat } from '@docrag/domain';
import { corruptFile } from './errors';

/**
 * A strict reader for OLE2 compound files ([MS-CFB]): legacy Word documents, and the container
 * Office uses for password-protected DOCX (streams `EncryptionInfo` + `EncryptedPackage`,
 * [MS-OFFCRYPTO] 2.1). Every sector chain is bounds- and cycle-checked, so a crafted file cannot
 * make a later reader loop forever (word-extractor only guards against self-loops).
 */

export const OLE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1] as const;

const FREE = -1;
const END_OF_CHAIN = -2;
const MAX_REGULAR_SECTOR = 0xfffffffa;

export interface OleEntry {
  readonly name: string;
  /** 1 storage, 2 stream, 5 root. */
  readonly type: number;
  readonly startSector: number;
  readonly size: number;
}

export function looksLikeOle(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && OLE_MAGIC.every((b, i) => bytes[i] === b);
}

export class OleFile {
  readonly entries: readonly OleEntry[];
  private readonly sectorSize: number;
  private readonly miniSectorSize: number;
  private readonly miniCutoff: number;
  private readonly fat: Int32Array;
  private readonly miniFat: Int32Array;
  private readonly miniStream: Uint8Array;

  /** @throws RagError `corrupt_file` (reported as `format`) on any structural problem. */
  constructor(
    private readonly bytes: Uint8Array,
    private readonly format: DocumentFormat,
  ) {
    if (!looksLikeOle(bytes) || bytes.length < 512) throw corruptFile(format, 'not a complete OLE compound file');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const sectorShift = view.getUint16(30, true);
    const miniShift = view.getUint16(32, true);
    if (sectorShift !== 9 && sectorShift !== 12) throw corruptFile(format, `OLE sector size 2^${sectorShift} is invalid`);
    if (miniShift !== 6) throw corruptFile(format, `OLE mini sector size 2^${miniShift} is invalid`);
    this.sectorSize = 1 << sectorShift;
    this.miniSectorSize = 1 << miniShift;
    this.miniCutoff = view.getUint32(56, true);
    const fatSectorCount = view.getUint32(44, true);
    const firstDirSector = view.getInt32(48, true);
    const firstMiniFatSector = view.getInt32(60, true);
    const firstDifatSector = view.getInt32(68, true);
    const difatSectorCount = view.getUint32(72, true);

    const sectorCount = Math.floor((bytes.length - this.sectorSize) / this.sectorSize) + (bytes.length % this.sectorSize ? 1 : 0);
    if (fatSectorCount > sectorCount) throw corruptFile(format, 'OLE allocation table is larger than the file');

    // DIFAT: 109 entries in the header, then a chain of DIFAT sectors.
    const fatSectors: number[] = [];
    for (let i = 0; i < 109 && fatSectors.length < fatSectorCount; i++) fatSectors.push(view.getInt32(76 + i * 4, true));
    let difat = firstDifatSector;
    const seenDifat = new Set<number>();
    for (let n = 0; n < difatSectorCount && fatSectors.length < fatSectorCount; n++) {
      if (difat < 0 || seenDifat.has(difat)) throw corruptFile(format, 'OLE DIFAT chain is broken');
      seenDifat.add(difat);
      const base = this.sectorOffset(difat);
      const perSector = this.sectorSize / 4 - 1;
      for (let i = 0; i < perSector && fatSectors.length < fatSectorCount; i++) fatSectors.push(view.getInt32(base + i * 4, true));
      difat = view.getInt32(base + perSector * 4, true);
    }
    if (fatSectors.length < fatSectorCount) throw corruptFile(format, 'OLE allocation table is incomplete');

    const perFat = this.sectorSize / 4;
    this.fat = new Int32Array(fatSectors.length * perFat);
    fatSectors.forEach((sector, i) => {
      const base = this.sectorOffset(sector);
      for (let j = 0; j < perFat; j++) this.fat[i * perFat + j] = view.getInt32(base + j * 4, true);
    });

    const dir = this.readChain(firstDirSector, this.fat, this.sectorSize, (s) => this.sectorOffset(s), bytes);
    const entries: OleEntry[] = [];
    const dirView = new DataView(dir.buffer, dir.byteOffset, dir.byteLength);
    for (let at = 0; at + 128 <= dir.length; at += 128) {
      const nameBytes = Math.min(64, dirView.getUint16(at + 64, true));
      const type = dir[at + 66] ?? 0;
      if (type === 0) continue;
      const name = decodeUtf16(dir.subarray(at, at + Math.max(0, nameBytes - 2)));
      entries.push({ name, type, startSector: dirView.getInt32(at + 116, true), size: dirView.getUint32(at + 120, true) });
    }
    const root = entries.find((e) => e.type === 5);
    if (!root) throw corruptFile(format, 'OLE root directory entry missing');
    this.entries = entries;

    this.miniFat = firstMiniFatSector < 0 ? new Int32Array(0) : toInt32(this.readChain(firstMiniFatSector, this.fat, this.sectorSize, (s) => this.sectorOffset(s), bytes));
    this.miniStream = root.startSector < 0 ? new Uint8Array(0) : this.readChain(root.startSector, this.fat, this.sectorSize, (s) => this.sectorOffset(s), bytes).subarray(0, root.size);
  }

  find(name: string): OleEntry | undefined {
    const lower = name.toLowerCase();
    return this.entries.find((e) => e.type === 2 && e.name.toLowerCase() === lower);
  }

  /** Reads a top-level stream by name, or undefined when absent. */
  stream(name: string): Uint8Array | undefined {
    const entry = this.find(name);
    if (!entry) return undefined;
    if (entry.size === 0) return new Uint8Array(0);
    const data =
      entry.size < this.miniCutoff
        ? this.readChain(entry.startSector, this.miniFat, this.miniSectorSize, (s) => s * this.miniSectorSize, this.miniStream)
        : this.readChain(entry.startSector, this.fat, this.sectorSize, (s) => this.sectorOffset(s), this.bytes);
    if (data.length < entry.size) throw corruptFile(this.format, `OLE stream ${name} is truncated`);
    return data.subarray(0, entry.size);
  }

  private sectorOffset(sector: number): number {
    const offset = (sector + 1) * this.sectorSize;
    if (sector < 0 || sector > MAX_REGULAR_SECTOR || offset + this.sectorSize > this.bytes.length + this.sectorSize) {
      throw corruptFile(this.format, `OLE sector ${sector} lies outside the file (truncated?)`);
    }
    return offset;
  }

  private readChain(start: number, table: Int32Array, size: number, offsetOf: (s: number) => number, source: Uint8Array): Uint8Array {
    const sectors: number[] = [];
    const seen = new Set<number>();
    for (let s = start; s !== END_OF_CHAIN; s = table[s] ?? FREE) {
      if (s < 0 || s >= table.length || seen.has(s)) throw corruptFile(this.format, 'OLE sector chain is broken or loops');
      seen.add(s);
      sectors.push(s);
    }
    const out = new Uint8Array(sectors.length * size);
    sectors.forEach((s, i) => {
      const offset = offsetOf(s);
      const piece = source.subarray(offset, offset + size);
      out.set(piece, i * size);
    });
    return out;
  }
}

function decodeUtf16(bytes: Uint8Array): string {
  return new TextDecoder('utf-16le').decode(bytes);
}

function toInt32(bytes: Uint8Array): Int32Array {
  const copy = bytes.slice();
  return new Int32Array(copy.buffer, 0, Math.floor(copy.length / 4));
}
