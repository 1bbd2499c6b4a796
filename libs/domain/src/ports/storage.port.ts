import type { ChatTurn } from '../model/answer';
import type { FileRecord } from '../model/document';
import type { FileId, OwnerId } from '../model/ids';

/** Recent turns per chat, used to condense follow-up questions. Survives restarts. */
export interface ChatHistory {
  /** Oldest first. */
  load(chatKey: string): Promise<ChatTurn[]>;
  /** Appends and keeps only the newest `maxTurns`. */
  append(chatKey: string, turn: ChatTurn, maxTurns: number): Promise<void>;
  clear(chatKey: string): Promise<void>;
}

/** The owner's library: what was uploaded, when, and how it was indexed. */
export interface FileRegistry {
  get(ownerId: OwnerId, fileId: FileId): Promise<FileRecord | undefined>;
  findBySha256(ownerId: OwnerId, sha256: string): Promise<FileRecord | undefined>;
  /** Newest first. */
  list(ownerId: OwnerId): Promise<FileRecord[]>;
  /** Records left `indexing` (interrupted ingestions), across owners. */
  listIncomplete(): Promise<FileRecord[]>;
  put(record: FileRecord): Promise<void>;
  remove(ownerId: OwnerId, fileId: FileId): Promise<boolean>;
}

/** Time comes in through a port so use cases stay deterministic under test. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Counts model tokens in a text (no special tokens). Plugged into the chunker. */
export interface TokenCounter {
  count(text: string): number;
}

/** Content hashing (sha256, lowercase hex) for dedupe; the domain has no crypto of its own. */
export interface Hasher {
  sha256(bytes: Uint8Array): Promise<string>;
}
