import type { DocumentFormat, FileId, FileRecord, FileRegistry, OwnerId } from '@docrag/domain';
import { FileId as FileIds, OwnerId as OwnerIds } from '@docrag/domain';
import type { SqliteDatabase } from './database';
import { guard } from './errors';

interface FileRow {
  owner_id: string;
  file_id: string;
  name: string;
  format: string;
  sha256: string;
  size_bytes: number;
  parent_count: number;
  chunk_count: number;
  status: 'indexing' | 'ready';
  created_at: number;
}

function toRecord(row: FileRow): FileRecord {
  return {
    fileId: FileIds.unsafe(row.file_id),
    ownerId: OwnerIds.unsafe(row.owner_id),
    name: row.name,
    format: row.format as DocumentFormat,
    sha256: row.sha256,
    sizeBytes: row.size_bytes,
    parentCount: row.parent_count,
    chunkCount: row.chunk_count,
    status: row.status,
    createdAt: row.created_at,
  };
}

const COLUMNS = 'owner_id, file_id, name, format, sha256, size_bytes, parent_count, chunk_count, status, created_at';

/** The owner's library, in the same database file as the vectors (one backup covers both). */
export class SqliteFileRegistry implements FileRegistry {
  private readonly stmt;

  constructor(private readonly db: SqliteDatabase) {
    this.stmt = {
      get: db.prepare<[string, string], FileRow>(`SELECT ${COLUMNS} FROM files WHERE owner_id = ? AND file_id = ?`),
      bySha: db.prepare<[string, string], FileRow>(`SELECT ${COLUMNS} FROM files WHERE owner_id = ? AND sha256 = ? ORDER BY created_at DESC LIMIT 1`),
      list: db.prepare<[string], FileRow>(`SELECT ${COLUMNS} FROM files WHERE owner_id = ? ORDER BY created_at DESC, file_id`),
      incomplete: db.prepare<[], FileRow>(`SELECT ${COLUMNS} FROM files WHERE status = 'indexing' ORDER BY created_at, owner_id, file_id`),
      put: db.prepare(
        `INSERT INTO files(${COLUMNS}) VALUES (@owner_id, @file_id, @name, @format, @sha256, @size_bytes, @parent_count, @chunk_count, @status, @created_at)
         ON CONFLICT(owner_id, file_id) DO UPDATE SET name = excluded.name, format = excluded.format, sha256 = excluded.sha256,
           size_bytes = excluded.size_bytes, parent_count = excluded.parent_count, chunk_count = excluded.chunk_count,
           status = excluded.status, created_at = excluded.created_at`,
      ),
      remove: db.prepare('DELETE FROM files WHERE owner_id = ? AND file_id = ?'),
    };
  }

  get(ownerId: OwnerId, fileId: FileId): Promise<FileRecord | undefined> {
    return guard(undefined, () => {
      const row = this.stmt.get.get(ownerId, fileId);
      return row && toRecord(row);
    });
  }

  findBySha256(ownerId: OwnerId, sha256: string): Promise<FileRecord | undefined> {
    return guard(undefined, () => {
      const row = this.stmt.bySha.get(ownerId, sha256);
      return row && toRecord(row);
    });
  }

  list(ownerId: OwnerId): Promise<FileRecord[]> {
    return guard(undefined, () => this.stmt.list.all(ownerId).map(toRecord));
  }

  listIncomplete(): Promise<FileRecord[]> {
    return guard(undefined, () => this.stmt.incomplete.all().map(toRecord));
  }

  put(record: FileRecord): Promise<void> {
    return guard(undefined, () => {
      this.stmt.put.run({
        owner_id: record.ownerId,
        file_id: record.fileId,
        name: record.name,
        format: record.format,
        sha256: record.sha256,
        size_bytes: record.sizeBytes,
        parent_count: record.parentCount,
        chunk_count: record.chunkCount,
        status: record.status,
        created_at: record.createdAt,
      });
    });
  }

  remove(ownerId: OwnerId, fileId: FileId): Promise<boolean> {
    return guard(undefined, () => this.stmt.remove.run(ownerId, fileId).changes > 0);
  }
}
