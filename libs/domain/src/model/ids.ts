/**
 * Branded identifiers. A brand costs nothing at run time and stops a FileId being passed where an
 * OwnerId is expected, which matters here: every store query is scoped by owner.
 */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Who owns documents: `user:<id>` in private chats, `chat:<id>` in groups. */
export type OwnerId = Brand<string, 'OwnerId'>;
/** A file inside one owner's library (stable: derived from owner + content hash). */
export type FileId = Brand<string, 'FileId'>;
/** A child chunk (the unit that is embedded and searched). */
export type ChunkId = Brand<string, 'ChunkId'>;
/** A parent chunk (the larger context handed to the LLM). */
export type ParentId = Brand<string, 'ParentId'>;

export const OwnerId = {
  /** Owner of a private chat with a user. */
  user: (userId: number | string): OwnerId => `user:${userId}` as OwnerId,
  /** Owner of a group or channel chat. */
  chat: (chatId: number | string): OwnerId => `chat:${chatId}` as OwnerId,
  /** Trusts a string that was produced by `user`/`chat` earlier (e.g. read back from a store). */
  unsafe: (raw: string): OwnerId => raw as OwnerId,
};

export const FileId = {
  /** Deterministic: the same owner uploading the same bytes gets the same id. */
  of: (ownerId: OwnerId, sha256Hex: string): FileId => `${ownerId}/${sha256Hex.slice(0, 32)}` as FileId,
  unsafe: (raw: string): FileId => raw as FileId,
};

export const ParentId = {
  of: (fileId: FileId, index: number): ParentId => `${fileId}#p${index}` as ParentId,
  unsafe: (raw: string): ParentId => raw as ParentId,
};

export const ChunkId = {
  of: (fileId: FileId, index: number): ChunkId => `${fileId}#c${index}` as ChunkId,
  unsafe: (raw: string): ChunkId => raw as ChunkId,
};
