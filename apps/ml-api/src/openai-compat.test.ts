/**
 * The official OpenAI SDK against POST /v1/embeddings over real HTTP. The SDK asks for
 * `encoding_format: base64` by default and decodes it itself, so this checks the wire format the
 * way LangChain's and LlamaIndex's OpenAI embedding classes (built on it) will use it.
 */
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from './config';
import { createApp, type ServiceState } from './server';
import { loadModels, makeReady, type LoadedModels } from './startup';

const fixtures = inject('onnxFixtures');
let models: LoadedModels;
let server: ServerType;
let baseURL: string;

beforeAll(async () => {
  const config = loadConfig({ EMBED_MODEL_DIR: fixtures.embedder.dir, RERANK_MODEL_DIR: '/nonexistent', ML_DEVICE: 'cpu', ORT_INTRA_OP_THREADS: '1' });
  models = await loadModels(config, { log: () => undefined });
  const state: ServiceState = { status: 'loading', notes: [] };
  makeReady(state, config, models);
  const app = createApp({ state, version: 'test', maxBodyBytes: config.MAX_BODY_BYTES, retryAfterSeconds: 1, apiKey: 'sk-test' });
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await models.embed?.release();
});

describe('OpenAI SDK compatibility', () => {
  it('embeds through openai.embeddings.create (base64 by default) and matches the float answer', async () => {
    const client = new OpenAI({ baseURL, apiKey: 'sk-test', maxRetries: 0 });
    const viaSdk = await client.embeddings.create({ model: 'all-MiniLM-L6-v2', input: ['first text', 'second text'] });
    const viaFloat = await client.embeddings.create({ model: 'all-MiniLM-L6-v2', input: ['first text', 'second text'], encoding_format: 'float' });
    expect(viaSdk.data).toHaveLength(2);
    expect(viaSdk.data[1]!.embedding).toHaveLength(32);
    expect(viaSdk.data.map((d) => d.embedding)).toEqual(viaFloat.data.map((d) => d.embedding));
    expect(viaSdk.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('surfaces our error body through the SDK error', async () => {
    const client = new OpenAI({ baseURL, apiKey: 'wrong', maxRetries: 0 });
    const error = await client.embeddings.create({ model: 'x', input: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
  });
});
