import type { ChatHistory, ChatTurn, Clock, FileId, FileRecord, FileRegistry, Hasher, OwnerId } from '@docrag/domain';
import { createHash } from 'node:crypto';

/** Chat history in a Map; `append` keeps the newest `maxTurns`, as the port requires. */
export class InMemoryChatHistory implements ChatHistory {
  private readonly turns = new Map<string, ChatTurn[]>();

  async load(chatKey: string): Promise<ChatTurn[]> {
    return [...(this.turns.get(chatKey) ?? [])];
  }
  async append(chatKey: string, turn: ChatTurn, maxTurns: number): Promise<void> {
    const list = [...(this.turns.get(chatKey) ?? []), turn];
    this.turns.set(chatKey, maxTurns > 0 ? list.slice(-maxTurns) : []);
  }
  async clear(chatKey: string): Promise<void> {
    this.turns.delete(chatKey);
  }
}

/** File registry in a Map keyed by owner and file, with per-owner lookups only. */
export class InMemoryFileRegistry implements FileRegistry {
  private readonly records = new Map<string, FileRecord>();
  /** Set to make `put` reject (simulates a registry failure mid-ingestion). */
  failPutWith: Error | undefined;

  private key(ownerId: OwnerId, fileId: FileId): string {
    return `${ownerId}\u0000${fileId}`;
  }
  async get(ownerId: OwnerId, fileId: FileId): Promise<FileRecord | undefined> {
    return this.records.get(this.key(ownerId, fileId));
  }
  async findBySha256(ownerId: OwnerId, sha256: string): Promise<FileRecord | undefined> {
    return [...this.records.values()].find((r) => r.ownerId === ownerId && r.sha256 === sha256);
  }
  async list(ownerId: OwnerId): Promise<FileRecord[]> {
    return [...this.records.values()].filter((r) => r.ownerId === ownerId).sort((a, b) => b.createdAt - a.createdAt);
  }
  async listIncomplete(): Promise<FileRecord[]> {
    return [...this.records.values()].filter((r) => r.status === 'indexing');
  }
  async put(record: FileRecord): Promise<void> {
    if (this.failPutWith) throw this.failPutWith;
    this.records.set(this.key(record.ownerId, record.fileId), record);
  }
  async remove(ownerId: OwnerId, fileId: FileId): Promise<boolean> {
    return this.records.delete(this.key(ownerId, fileId));
  }
  /** Every record, across owners (test inspection only). */
  all(): FileRecord[] {
    return [...this.records.values()];
  }
}

/**
 * A clock that moves only when told to. `autoAdvanceMs` moves it on every `now()`, so stage
 * timings come out non-zero and predictable.
 */
export class FakeClock implements Clock {
  constructor(
    private time = 1_700_000_000_000,
    private readonly autoAdvanceMs = 0,
  ) {}
  now(): number {
    const t = this.time;
    this.time += this.autoAdvanceMs;
    return t;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

/** The real sha256 via node:crypto (tests want real hashes, and it is instant). */
export const sha256Hasher: Hasher = {
  async sha256(bytes: Uint8Array): Promise<string> {
    return createHash('sha256').update(bytes).digest('hex');
  },
};
