/**
 * @docrag/ml-protocol: the bot <-> ml-api HTTP contract, as zod schemas and inferred types.
 * The server validates every body with these schemas and the bot's client parses every answer
 * with them, so the two sides cannot drift. Only zod is imported here.
 */

// Limits shared by client and server.
export { DEFAULT_MAX_BODY_BYTES, MAX_RERANK_DOCUMENTS, MAX_TEXTS_PER_REQUEST } from './limits';

// Errors: `{ error: { code, message } }` with machine-readable codes.
export {
  ML_ERROR_CODES,
  ML_ERROR_STATUS,
  RETRYABLE_ML_ERROR_CODES,
  mlErrorBodySchema,
  mlErrorCodeSchema,
  mlErrorFromIssues,
  mlErrorIssueSchema,
  parseMlRequest,
} from './errors';
export type { MlErrorBody, MlErrorCode, MlErrorIssue, MlParseResult } from './errors';

// POST /embed (dense + sparse vectors).
export { embedRequestSchema, embedResponseSchema, embeddingSchema, sparseVectorSchema, textsSchema } from './embed';
export type { EmbedRequest, EmbedResponse, ParsedEmbedRequest, WireEmbedding, WireSparseVector } from './embed';

// POST /rerank (cross-encoder).
export { rerankRequestSchema, rerankResponseSchema, rerankResultSchema } from './rerank';
export type { ParsedRerankRequest, RerankRequest, RerankResponse, WireRerankResult } from './rerank';

// POST /v1/embeddings (OpenAI-compatible).
export {
  decodeFloat32Base64,
  encodeFloat32Base64,
  openAiEmbeddingSchema,
  openAiEmbeddingsRequestSchema,
  openAiEmbeddingsResponseSchema,
} from './openai';
export type { OpenAiEmbeddingsRequest, OpenAiEmbeddingsResponse, ParsedOpenAiEmbeddingsRequest } from './openai';

// GET /health, /health/ready, /health/live.
export { capabilitiesSchema, executionProviderSchema, healthResponseSchema, liveResponseSchema, loadedModelSchema } from './health';
export type { Capabilities, ExecutionProviderName, HealthResponse, LiveResponse, LoadedModel } from './health';
