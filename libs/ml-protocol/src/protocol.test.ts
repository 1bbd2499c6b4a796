import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { MlErrorBody } from './index';
import {
  MAX_RERANK_DOCUMENTS,
  MAX_TEXTS_PER_REQUEST,
  ML_ERROR_CODES,
  ML_ERROR_STATUS,
  decodeFloat32Base64,
  embedRequestSchema,
  embedResponseSchema,
  encodeFloat32Base64,
  healthResponseSchema,
  mlErrorBodySchema,
  parseMlRequest,
  openAiEmbeddingsRequestSchema,
  rerankRequestSchema,
} from './index';

function errorOf(schema: z.ZodType, value: unknown): MlErrorBody {
  const result = parseMlRequest(schema, value);
  if (result.ok) throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
  return result.error;
}

describe('embed request', () => {
  it('accepts the single `text` form and the batch `texts` form', () => {
    expect(embedRequestSchema.parse({ text: 'hello' })).toEqual({ text: 'hello', is_query: false });
    expect(embedRequestSchema.parse({ texts: ['a', 'b'], is_query: true })).toEqual({ texts: ['a', 'b'], is_query: true });
  });

  it('classifies bad input with specific codes', () => {
    expect(errorOf(embedRequestSchema, {}).error.code).toBe('empty_input');
    expect(errorOf(embedRequestSchema, { texts: [] }).error.code).toBe('empty_input');
    expect(errorOf(embedRequestSchema, { texts: ['ok', ''] }).error).toMatchObject({ code: 'empty_input', message: 'texts.1: must not be empty' });
    expect(errorOf(embedRequestSchema, { text: 'a', texts: ['b'] }).error.code).toBe('invalid_request');
    expect(errorOf(embedRequestSchema, { texts: 'abc' }).error).toMatchObject({ code: 'invalid_request', message: 'texts: must be an array of strings' });
    expect(errorOf(embedRequestSchema, { texts: [1, 2] }).error.code).toBe('invalid_request');
    expect(errorOf(embedRequestSchema, { text: 'a', is_query: 'yes' }).error.code).toBe('invalid_request');
    const tooMany = errorOf(embedRequestSchema, { texts: Array.from({ length: MAX_TEXTS_PER_REQUEST + 1 }, () => 'x') });
    expect(tooMany.error.code).toBe('too_many_texts');
    expect(tooMany.error.message).toContain(`got ${MAX_TEXTS_PER_REQUEST + 1}`);
  });

  it('accepts exactly the limit', () => {
    expect(embedRequestSchema.safeParse({ texts: Array.from({ length: MAX_TEXTS_PER_REQUEST }, () => 'x') }).success).toBe(true);
  });
});

describe('rerank request', () => {
  it('validates documents and top_k', () => {
    expect(rerankRequestSchema.parse({ query: 'q', documents: ['a'], top_k: 1 })).toEqual({ query: 'q', documents: ['a'], top_k: 1 });
    expect(errorOf(rerankRequestSchema, { query: 'q', documents: Array(MAX_RERANK_DOCUMENTS + 1).fill('d') }).error.code).toBe('too_many_documents');
    expect(errorOf(rerankRequestSchema, { query: '', documents: ['d'] }).error.code).toBe('empty_input');
    expect(errorOf(rerankRequestSchema, { query: 'q', documents: ['d'], top_k: 0 }).error.code).toBe('invalid_request');
    expect(errorOf(rerankRequestSchema, { query: 'q', documents: ['d'], top_k: 1.5 }).error.code).toBe('invalid_request');
  });
});

describe('openai embeddings request', () => {
  it('accepts string and array input, defaults to float', () => {
    expect(openAiEmbeddingsRequestSchema.parse({ input: 'x' }).encoding_format).toBe('float');
    expect(openAiEmbeddingsRequestSchema.parse({ input: ['x'], encoding_format: 'base64' }).encoding_format).toBe('base64');
  });
  it('rejects token-id input and unknown formats', () => {
    expect(errorOf(openAiEmbeddingsRequestSchema, { input: [1, 2, 3] }).error.code).toBe('invalid_request');
    expect(errorOf(openAiEmbeddingsRequestSchema, { input: 'x', encoding_format: 'int8' }).error.code).toBe('invalid_request');
  });
});

describe('base64 float32', () => {
  it('round-trips exactly for float32 values and matches the little-endian layout', () => {
    const v = [0.5, -1, 3.25, Math.fround(0.1)];
    expect(decodeFloat32Base64(encodeFloat32Base64(v))).toEqual(v);
    // 1.0f little-endian is 00 00 80 3f.
    expect(encodeFloat32Base64([1])).toBe(Buffer.from([0, 0, 0x80, 0x3f]).toString('base64'));
  });
});

describe('error body', () => {
  it('has an HTTP status for every code', () => {
    for (const code of ML_ERROR_CODES) expect(ML_ERROR_STATUS[code]).toBeGreaterThanOrEqual(400);
    expect(mlErrorBodySchema.parse({ error: { code: 'overloaded', message: 'queue full' } }).error.code).toBe('overloaded');
  });
});

describe('responses', () => {
  it('parse a sparse-only embed response and a health body', () => {
    expect(
      embedResponseSchema.parse({
        embeddings: [{ sparse: { indices: [1, 5], values: [0.5, 1] } }],
        dimension: null,
        model: { dense: null, sparse: 'bm25-en-v1' },
        usage: { tokens: 0 },
      }).embeddings[0]?.dense,
    ).toBeUndefined();
    expect(
      healthResponseSchema.parse({
        status: 'ready',
        capabilities: { dense: false, sparse: true, rerank: false },
        dimension: null,
        provider: null,
        models: { embed: null, rerank: null, sparse: 'bm25-en-v1' },
        notes: ['dense: EMBED_MODEL_DIR not set'],
        version: '0.1.0',
      }).capabilities.sparse,
    ).toBe(true);
  });
});
