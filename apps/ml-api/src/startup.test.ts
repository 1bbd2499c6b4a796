import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from './config';
import { loadModels } from './startup';

const fixtures = inject('onnxFixtures');
const log = () => undefined;

describe('start-up with pinned models', () => {
  it('fails with a message naming the file and both hashes when the sha256 pin is wrong', async () => {
    const wrong = 'ab'.repeat(32);
    const config = loadConfig({ EMBED_MODEL_DIR: fixtures.embedder.dir, EMBED_MODEL_SHA256: wrong, RERANK_MODEL_DIR: '/nonexistent', ML_DEVICE: 'cpu' });
    await expect(loadModels(config, { log })).rejects.toThrow(
      `sha256 mismatch for ${path.join(fixtures.embedder.dir, 'model.onnx')}: expected ${wrong}, got ${fixtures.embedder.sha256}`,
    );
  });

  it('loads when the pin matches', async () => {
    const config = loadConfig({ EMBED_MODEL_DIR: fixtures.embedder.dir, EMBED_MODEL_SHA256: fixtures.embedder.sha256.toUpperCase(), RERANK_MODEL_DIR: '/nonexistent', ML_DEVICE: 'cpu' });
    const models = await loadModels(config, { log });
    expect(models.embed?.info.dimension).toBe(32);
    expect(models.rerank).toBeUndefined();
    await models.embed?.release();
  });
});

describe('start-up warm-up', () => {
  it('runs each model at the largest batch its batcher allows and logs it (MODEL_WARMUP)', async () => {
    const lines: string[] = [];
    const config = loadConfig({ EMBED_MODEL_DIR: fixtures.embedder.dir, RERANK_MODEL_DIR: fixtures.reranker.dir, ML_DEVICE: 'cpu', RERANK_MAX_BATCH_TOKENS: '4096' });
    const models = await loadModels(config, { log: (l) => lines.push(l) });
    await Promise.all([models.embed?.release(), models.rerank?.release()]);
    const warmups = lines.filter((l) => l.includes('warm-up'));
    // Embed: 32 texts x EMBED_MAX_LENGTH 256 = the 8192-token budget. Rerank: the budget holds 8
    // pairs of 512, or the full 16 at 256.
    expect(warmups).toHaveLength(2);
    expect(warmups[0]).toMatch(/^embedding model all-MiniLM-L6-v2 warm-up at the largest batch shapes \(batch size 32, 8192 tokens\): 32 x 256 tokens in \d+\.\d\d s; /);
    expect(warmups[1]).toMatch(/^rerank model ms-marco-MiniLM-L-12-v2 warm-up at the largest batch shapes \(batch size 16, 4096 tokens\): 8 x 512 tokens in \d+\.\d\d s, 16 x 256 tokens in /);
  });

  it('does none with MODEL_WARMUP=false', async () => {
    const lines: string[] = [];
    const config = loadConfig({ EMBED_MODEL_DIR: fixtures.embedder.dir, RERANK_MODEL_DIR: '/nonexistent', ML_DEVICE: 'cpu', MODEL_WARMUP: 'false' });
    const models = await loadModels(config, { log: (l) => lines.push(l) });
    await models.embed?.release();
    expect(models.embed?.info.dimension).toBe(32);
    expect(lines.some((l) => l.includes('warm-up'))).toBe(false);
  });
});

describe('start-up with a download URL', () => {
  let server: Server;
  let base: string;
  let cache: string;
  beforeAll(async () => {
    cache = mkdtempSync(path.join(tmpdir(), 'ml-cache-'));
    server = createServer((req, res) => {
      const file = req.url === '/hub/onnx/model.onnx' ? fixtures.embedder.modelPath : req.url === '/hub/tokenizer.json' ? path.join(fixtures.embedder.dir, 'tokenizer.json') : undefined;
      if (!file) return void res.writeHead(404).end();
      const bytes = readFileSync(file);
      res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    rmSync(cache, { recursive: true, force: true });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('downloads model.onnx and tokenizer.json (Hub layout) into the model folder, then loads', async () => {
    const dir = path.join(cache, 'embed');
    const tokenizerSha = createHash('sha256').update(readFileSync(path.join(fixtures.embedder.dir, 'tokenizer.json'))).digest('hex');
    const lines: string[] = [];
    const config = loadConfig({
      EMBED_MODEL_DIR: dir,
      EMBED_MODEL_URL: `${base}/hub/onnx/model.onnx`,
      EMBED_MODEL_SHA256: fixtures.embedder.sha256,
      EMBED_TOKENIZER_SHA256: tokenizerSha,
      RERANK_MODEL_DIR: '/nonexistent',
      ML_DEVICE: 'cpu',
    });
    const models = await loadModels(config, { log: (l) => lines.push(l) });
    expect(models.embed?.info.dimension).toBe(32);
    expect(readdirSync(dir).sort()).toEqual(['model.onnx', 'tokenizer.json']);
    expect(lines.some((l) => l.includes('downloading'))).toBe(true);
    await models.embed?.release();
  });

  it('stops start-up on a downloaded file with the wrong hash and leaves nothing half-written', async () => {
    const dir = path.join(cache, 'bad');
    const wrong = 'cd'.repeat(32);
    const config = loadConfig({ EMBED_MODEL_DIR: dir, EMBED_MODEL_URL: `${base}/hub/onnx/model.onnx`, EMBED_MODEL_SHA256: wrong, RERANK_MODEL_DIR: '/nonexistent' });
    await expect(loadModels(config, { log })).rejects.toThrow(
      `sha256 mismatch for ${path.join(dir, 'model.onnx')} downloaded from ${base}/hub/onnx/model.onnx: expected ${wrong}, got ${fixtures.embedder.sha256}`,
    );
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });
});
