/**
 * The FileRegistry port on Deno KV (edge deployments): one record per file, plus a sha256 index so
 * a re-upload is recognised as "already indexed". Imports no Node module.
 */
import type { FileId, FileRecord, FileRegistry, OwnerId } from '@docrag/domain';
import type { KvKey, KvLike } from '../storage/deno-kv-bot-storage';

export class KvFileRegistry implements FileRegistry {
  constructor(
    private readonly kv: KvLike,
    private readonly root = 'docrag',
  ) {}

  private fileKey(ownerId: OwnerId, fileId: FileId): KvKey {
    return [this.root, 'file', ownerId, fileId];
  }

  private shaKey(ownerId: OwnerId, sha256: string): KvKey {
    return [this.root, 'file-sha', ownerId, sha256];
  }

  async get(ownerId: OwnerId, fileId: FileId): Promise<FileRecord | undefined> {
    return (await this.kv.get<FileRecord>(this.fileKey(ownerId, fileId))).value ?? undefined;
  }

  async findBySha256(ownerId: OwnerId, sha256: string): Promise<FileRecord | undefined> {
    const fileId = (await this.kv.get<FileId>(this.shaKey(ownerId, sha256))).value;
    return fileId ? this.get(ownerId, fileId) : undefined;
  }

  async list(ownerId: OwnerId): Promise<FileRecord[]> {
    const out: FileRecord[] = [];
    for await (const entry of this.kv.list<FileRecord>({ prefix: [this.root, 'file', ownerId] })) out.push(entry.value);
    return out.sort((a, b) => b.createdAt - a.createdAt || (a.fileId < b.fileId ? -1 : 1));
  }

  async listIncomplete(): Promise<FileRecord[]> {
    const out: FileRecord[] = [];
    for await (const entry of this.kv.list<FileRecord>({ prefix: [this.root, 'file'] })) if (entry.value.status === 'indexing') out.push(entry.value);
    return out;
  }

  async put(record: FileRecord): Promise<void> {
    // Record and index change together, so a reader never finds an index entry without its record.
    const result = await this.kv
      .atomic()
      .set(this.fileKey(record.ownerId, record.fileId), record)
      .set(this.shaKey(record.ownerId, record.sha256), record.fileId)
      .commit();
    if (!result.ok) throw new Error(`Deno KV refused to register ${record.fileId}`);
  }

  async remove(ownerId: OwnerId, fileId: FileId): Promise<boolean> {
    const record = await this.get(ownerId, fileId);
    if (!record) return false;
    await this.kv.atomic().delete(this.fileKey(ownerId, fileId)).delete(this.shaKey(ownerId, record.sha256)).commit();
    return true;
  }
}
