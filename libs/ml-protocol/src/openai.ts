import { z } from 'zod';
import { MAX_TEXTS_PER_REQUEST } from './limits';

/**
 * `POST /v1/embeddings`, the OpenAI-compatible subset that LangChain and LlamaIndex clients send.
 * Token-id input (arrays of integers) is not accepted: the server owns tokenisation.
 * `encoding_format: base64` returns little-endian float32 bytes, as the OpenAI SDK expects.
 * https://platform.openai.com/docs/api-reference/embeddings/create
 */
export const openAiEmbeddingsRequestSchema = z.object({
  input: z.union(
    [
      z.string().min(1, { error: 'must not be empty' }),
      z
        .array(z.string().min(1, { error: 'must not be empty' }))
        .min(1, { error: 'must contain at least one text' })
        .max(MAX_TEXTS_PER_REQUEST, {
          error: (issue) =>
            `at most ${MAX_TEXTS_PER_REQUEST} inputs per request (got ${Array.isArray(issue.input) ? issue.input.length : '?'})`,
        }),
    ],
    { error: 'must be a string or an array of strings (token-id input is not supported)' },
  ),
  /** Informational: the server has one embedding model. */
  model: z.string().optional(),
  encoding_format: z.enum(['float', 'base64'], { error: 'must be "float" or "base64"' }).default('float'),
  /** Only the model's own dimension is accepted (no Matryoshka truncation). */
  dimensions: z.number().int().positive().optional(),
  user: z.string().optional(),
});
export type OpenAiEmbeddingsRequest = z.input<typeof openAiEmbeddingsRequestSchema>;
export type ParsedOpenAiEmbeddingsRequest = z.output<typeof openAiEmbeddingsRequestSchema>;

export const openAiEmbeddingSchema = z.object({
  object: z.literal('embedding'),
  index: z.number().int().nonnegative(),
  /** float array, or base64 of little-endian float32 when `encoding_format` is base64. */
  embedding: z.union([z.array(z.number()), z.string()]),
});

export const openAiEmbeddingsResponseSchema = z.object({
  object: z.literal('list'),
  data: z.array(openAiEmbeddingSchema),
  model: z.string(),
  usage: z.object({
    prompt_tokens: z.number().int().nonnegative(),
    total_tokens: z.number().int().nonnegative(),
  }),
});
export type OpenAiEmbeddingsResponse = z.infer<typeof openAiEmbeddingsResponseSchema>;

/** Encodes a vector as OpenAI does for `encoding_format: base64` (float32, little-endian). */
export function encodeFloat32Base64(vector: readonly number[]): string {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  vector.forEach((v, i) => view.setFloat32(i * 4, v, true));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Inverse of `encodeFloat32Base64`. */
export function decodeFloat32Base64(encoded: string): number[] {
  const binary = atob(encoded);
  const view = new DataView(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) view.setUint8(i, binary.charCodeAt(i));
  const out: number[] = [];
  for (let i = 0; i + 4 <= binary.length; i += 4) out.push(view.getFloat32(i, true));
  return out;
}
