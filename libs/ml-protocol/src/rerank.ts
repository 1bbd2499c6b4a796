import { z } from 'zod';
import { MAX_RERANK_DOCUMENTS } from './limits';

/** `POST /rerank`: score (query, document) pairs with the cross-encoder. */
export const rerankRequestSchema = z.object({
  query: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }),
  documents: z
    .array(z.string({ error: 'must be a string' }), { error: 'must be an array of strings' })
    .min(1, { error: 'must contain at least one document' })
    .max(MAX_RERANK_DOCUMENTS, {
      error: (issue) =>
        `at most ${MAX_RERANK_DOCUMENTS} documents per rerank (got ${Array.isArray(issue.input) ? issue.input.length : '?'})`,
    }),
  /** Keep only the best `top_k` results (default: all). */
  top_k: z.number({ error: 'must be a number' }).int({ error: 'must be an integer' }).positive({ error: 'must be at least 1' }).optional(),
});
export type RerankRequest = z.input<typeof rerankRequestSchema>;
export type ParsedRerankRequest = z.output<typeof rerankRequestSchema>;

export const rerankResultSchema = z.object({
  /** Index into the request's `documents`. */
  index: z.number().int().nonnegative(),
  /** The cross-encoder's raw logit: higher is more relevant. */
  score: z.number(),
});
export type WireRerankResult = z.infer<typeof rerankResultSchema>;

/** `POST /rerank` answer: results sorted by score, best first, at most `top_k`. */
export const rerankResponseSchema = z.object({
  results: z.array(rerankResultSchema),
  model: z.string(),
});
export type RerankResponse = z.infer<typeof rerankResponseSchema>;
