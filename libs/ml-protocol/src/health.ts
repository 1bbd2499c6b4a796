import { z } from 'zod';

/** Where inference runs. */
export const executionProviderSchema = z.enum(['cpu', 'cuda']);
export type ExecutionProviderName = z.infer<typeof executionProviderSchema>;

/** What the server can do right now. `sparse` is always true: BM25 needs no weights. */
export const capabilitiesSchema = z.object({
  dense: z.boolean(),
  sparse: z.boolean(),
  rerank: z.boolean(),
});
export type Capabilities = z.infer<typeof capabilitiesSchema>;

export const loadedModelSchema = z.object({
  name: z.string(),
  provider: executionProviderSchema,
  /** Longest input in word pieces; longer inputs are truncated. */
  max_length: z.number().int().positive(),
  /** Dense dimension (embedder only). */
  dimension: z.number().int().positive().optional(),
  /** Pooling of the embedder (`mean` or `cls`). */
  pooling: z.enum(['mean', 'cls']).optional(),
  load_seconds: z.number().nonnegative(),
});
export type LoadedModel = z.infer<typeof loadedModelSchema>;

/**
 * `GET /health/ready` (and `GET /health`, kept for the original service's probes). `status` is
 * `ready` once start-up (download, load, warm-up) is done, even with no model: the server then
 * serves sparse vectors and says which capabilities are off.
 */
export const healthResponseSchema = z.object({
  status: z.enum(['ready', 'loading']),
  capabilities: capabilitiesSchema,
  /** Dense dimension, or null without a dense model. */
  dimension: z.number().int().positive().nullable(),
  /** Provider of the loaded models (null when none is loaded). */
  provider: executionProviderSchema.nullable(),
  models: z.object({
    embed: loadedModelSchema.nullable(),
    rerank: loadedModelSchema.nullable(),
    sparse: z.string(),
  }),
  /** Human-readable reasons for capabilities that are off (e.g. "rerank: RERANK_MODEL_DIR not set"). */
  notes: z.array(z.string()),
  version: z.string(),
});
export type HealthResponse = z.infer<typeof healthResponseSchema>;

/** `GET /health/live`: the process is up and its event loop turns. */
export const liveResponseSchema = z.object({ status: z.literal('live') });
export type LiveResponse = z.infer<typeof liveResponseSchema>;
