/**
 * Hard limits of the bot <-> ml-api contract. Both sides import them: the server validates with
 * them, and the bot's client splits its work so that it never sends a request that would fail.
 * The values are those of the Python service this API replaces (128 texts, 100 documents).
 */

/** Most texts in one `/embed` or `/v1/embeddings` request. */
export const MAX_TEXTS_PER_REQUEST = 128;

/** Most documents in one `/rerank` request. */
export const MAX_RERANK_DOCUMENTS = 100;

/**
 * Default request body limit of the server (bytes). 128 texts of a few KiB each fit with room;
 * the server makes it configurable (`MAX_BODY_BYTES`).
 */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
