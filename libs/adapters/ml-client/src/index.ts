/**
 * @docrag/ml-client: the Embedder and Reranker ports over HTTP to the ml-api, speaking the
 * @docrag/ml-protocol schemas. fetch only (no `node:*`), so the Deno edge entry uses it as is.
 */

// ---- ports ----
export { MlApiEmbedder } from './ml-api-embedder';
export type { MlApiEmbedderOptions } from './ml-api-embedder';
export { MlApiReranker } from './ml-api-reranker';
export type { MlApiRerankerOptions } from './ml-api-reranker';

// ---- transport (shared options, retry timing) ----
export { MlApiHttp } from './ml-api-http';
export type { MlApiClientOptions, MlCapability } from './ml-api-http';
export { backoffDelayMs, parseRetryAfterMs, DEFAULT_BACKOFF } from './retry';
export type { BackoffOptions } from './retry';
