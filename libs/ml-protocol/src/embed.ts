import { z } from 'zod';
import { MAX_TEXTS_PER_REQUEST } from './limits';

/** Sparse vector on the wire: uint32 term ids, strictly ascending, and their weights. */
export const sparseVectorSchema = z.object({
  indices: z.array(z.number().int().nonnegative()),
  values: z.array(z.number()),
});
export type WireSparseVector = z.infer<typeof sparseVectorSchema>;

const nonEmptyText = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' });

/** `texts` with the batch limit; the message says what to do about it. */
export const textsSchema = z
  .array(nonEmptyText, { error: 'must be an array of strings' })
  .min(1, { error: 'must contain at least one text' })
  .max(MAX_TEXTS_PER_REQUEST, {
    error: (issue) =>
      `at most ${MAX_TEXTS_PER_REQUEST} texts per request (got ${Array.isArray(issue.input) ? issue.input.length : '?'}); split the batch`,
  });

/**
 * `POST /embed`. Accepts the single `text` form of the original service and the batch `texts`
 * form; exactly one of them. `is_query` selects the query-side encoding (sparse: unit weights;
 * dense: the same model, as MiniLM is symmetric).
 */
export const embedRequestSchema = z
  .object({
    text: nonEmptyText.optional(),
    texts: textsSchema.optional(),
    is_query: z.boolean({ error: 'must be a boolean' }).default(false),
  })
  .superRefine((value, ctx) => {
    const hasText = value.text !== undefined;
    const hasTexts = value.texts !== undefined;
    if (hasText === hasTexts) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        params: { code: hasText ? 'invalid_request' : 'empty_input' },
        message: hasText ? 'send either `text` or `texts`, not both' : 'one of `text` (string) or `texts` (array of strings) is required',
      });
    }
  });
export type EmbedRequest = z.input<typeof embedRequestSchema>;
export type ParsedEmbedRequest = z.output<typeof embedRequestSchema>;

/** One text's vectors. `dense` is absent when no dense model is loaded. */
export const embeddingSchema = z.object({
  dense: z.array(z.number()).optional(),
  sparse: sparseVectorSchema,
});
export type WireEmbedding = z.infer<typeof embeddingSchema>;

/** `POST /embed` answer: one embedding per input text, in input order. */
export const embedResponseSchema = z.object({
  embeddings: z.array(embeddingSchema),
  /** Dense dimension, or null when no dense model is loaded (sparse-only). */
  dimension: z.number().int().positive().nullable(),
  model: z.object({
    /** Dense model name, or null. */
    dense: z.string().nullable(),
    /** Sparse encoder name and version (stores must not mix encoders). */
    sparse: z.string(),
  }),
  usage: z.object({
    /** Word pieces fed to the dense model after truncation (0 without one). */
    tokens: z.number().int().nonnegative(),
  }),
});
export type EmbedResponse = z.infer<typeof embedResponseSchema>;
