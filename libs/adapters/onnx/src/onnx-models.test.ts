import { inject, describe, expect, it, beforeAll, afterAll } from 'vitest';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ModelFileError } from './model-files';
import { largestBatchShapes, loadEmbeddingModel, loadRerankModel, defaultTokenizerUrl, type EmbeddingModel, type RerankModel } from './onnx-models';
import { createOnnxSession } from './onnx-runtime';
import { padBatch } from './tensors';

const fixtures = inject('onnxFixtures');
const settings = { device: 'cpu' as const, intraOpThreads: 1, interOpThreads: 1, graphOptimizationLevel: 'all' as const, maxLength: 128 };

let embedder: EmbeddingModel;
let reranker: RerankModel;
beforeAll(async () => {
  embedder = await loadEmbeddingModel({ name: 'tiny-embed', dir: fixtures.embedder.dir, modelSha256: fixtures.embedder.sha256 }, { ...settings, pooling: 'mean' });
  reranker = await loadRerankModel({ name: 'tiny-rerank', dir: fixtures.reranker.dir }, settings);
});
afterAll(async () => {
  await embedder.release();
  await reranker.release();
});

const texts = ['Hello world!', 'A much longer sentence about documents, retrieval and the answers a bot gives.', 'short', 'word '.repeat(300)];

describe('loadEmbeddingModel', () => {
  it('reports what it loaded', () => {
    expect(embedder.info).toMatchObject({ name: 'tiny-embed', provider: 'cpu', dimension: 32, maxLength: 128, pooling: 'mean' });
  });

  it('returns unit vectors equal to mean pooling of the raw model output', async () => {
    const encodings = texts.map((t) => embedder.tokenize(t));
    const vectors = await embedder.embedBatch(encodings);
    // Independent path: run the raw session and pool by hand with the attention mask.
    const session = await createOnnxSession(fixtures.embedder.modelPath, { device: 'cpu', intraOpThreads: 1, interOpThreads: 1, graphOptimizationLevel: 'all' });
    const batch = padBatch(encodings);
    const dims = [batch.batch, batch.sequence];
    const out = (await session.run({ input_ids: { data: batch.inputIds, dims }, attention_mask: { data: batch.attentionMask, dims }, token_type_ids: { data: batch.tokenTypeIds, dims } }, ['last_hidden_state']))['last_hidden_state']!;
    await session.release();
    const D = 32;
    encodings.forEach((enc, b) => {
      const mean = Array.from({ length: D }, (_, d) => {
        let s = 0;
        for (let t = 0; t < enc.ids.length; t++) s += out.data[(b * batch.sequence + t) * D + d]!;
        return s / enc.ids.length;
      });
      const norm = Math.hypot(...mean);
      vectors[b]!.forEach((v, d) => expect(v).toBeCloseTo(mean[d]! / norm, 5));
      expect(Math.hypot(...vectors[b]!)).toBeCloseTo(1, 5);
    });
  });

  it('gives bit-identical vectors batched (padded, any order) and one at a time', async () => {
    const encodings = texts.map((t) => embedder.tokenize(t));
    const alone = await Promise.all(encodings.map(async (e) => (await embedder.embedBatch([e]))[0]));
    const together = await embedder.embedBatch(encodings);
    const reversed = (await embedder.embedBatch([...encodings].reverse())).reverse();
    expect(together).toEqual(alone);
    expect(reversed).toEqual(alone);
  });

  it('fails start-up on a wrong sha256 pin, naming the file and both hashes', async () => {
    const wrong = '0'.repeat(64);
    const error = await loadEmbeddingModel({ name: 'x', dir: fixtures.embedder.dir, modelSha256: wrong }, { ...settings, pooling: 'mean' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFileError);
    expect((error as Error).message).toBe(`sha256 mismatch for ${path.join(fixtures.embedder.dir, 'model.onnx')}: expected ${wrong}, got ${fixtures.embedder.sha256}`);
  });

  it('falls back from CUDA to CPU under ML_DEVICE=auto and reports the provider', async () => {
    const lines: string[] = [];
    const model = await loadEmbeddingModel(
      { name: 'fallback', dir: fixtures.embedder.dir },
      { ...settings, device: 'auto', pooling: 'cls', available: ['cuda', 'cpu'], log: (l) => lines.push(l), warmup: false },
    );
    try {
      // On a machine with a working CUDA provider the first attempt succeeds instead.
      expect(['cuda', 'cpu']).toContain(model.info.provider);
      if (model.info.provider === 'cpu') expect(lines.some((l) => l.includes('falling back'))).toBe(true);
    } finally {
      await model.release();
    }
  });

  it('says which file is missing', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'no-model-'));
    try {
      await expect(loadEmbeddingModel({ name: 'x', dir: empty }, { ...settings, pooling: 'mean' })).rejects.toThrow(`${path.join(empty, 'model.onnx')} does not exist`);
      cpSync(fixtures.embedder.modelPath, path.join(empty, 'model.onnx'));
      await expect(loadEmbeddingModel({ name: 'x', dir: empty }, { ...settings, pooling: 'mean' })).rejects.toThrow(/tokenizer.json does not exist/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('loadRerankModel', () => {
  const docs = ['Paris is the capital of France.', 'Bananas are yellow.', 'passage '.repeat(400)];

  it('returns one logit per pair, bit-identical batched and alone', async () => {
    const pairs = docs.map((d) => reranker.tokenizePair('capital of France', d));
    const together = await reranker.scoreBatch(pairs);
    const alone = await Promise.all(pairs.map(async (p) => (await reranker.scoreBatch([p]))[0]));
    expect(together).toHaveLength(3);
    expect(together).toEqual(alone);
    expect(new Set(together).size).toBe(3);
    expect(reranker.info.provider).toBe('cpu');
  });
});

describe('largestBatchShapes', () => {
  it('is a full batch of longest inputs when the token budget holds one', () => {
    expect(largestBatchShapes({ maxBatchSize: 32, maxBatchTokens: 8192 }, 256)).toEqual([{ batch: 32, sequence: 256 }]);
    expect(largestBatchShapes({ maxBatchSize: 16, maxBatchTokens: 100_000 }, 512)).toEqual([{ batch: 16, sequence: 512 }]);
  });

  it('adds the fullest batch the budget allows when it binds first', () => {
    // 8192 / 512 = 16 longest pairs; 32 pairs fit at 256.
    expect(largestBatchShapes({ maxBatchSize: 32, maxBatchTokens: 8192 }, 512)).toEqual([
      { batch: 16, sequence: 512 },
      { batch: 32, sequence: 256 },
    ]);
    // A budget below one longest input still runs one (the config forbids it; the adapter copes).
    expect(largestBatchShapes({ maxBatchSize: 1, maxBatchTokens: 10 }, 128)).toEqual([
      { batch: 1, sequence: 128 },
      { batch: 1, sequence: 10 },
    ]);
  });
});

describe('warm-up at the largest batch shapes', () => {
  it('runs the embedder at each shape and logs them with their time', async () => {
    const lines: string[] = [];
    const model = await loadEmbeddingModel(
      { name: 'warm', dir: fixtures.embedder.dir },
      { ...settings, pooling: 'mean', warmupBatch: { maxBatchSize: 4, maxBatchTokens: 256 }, log: (l) => lines.push(l) },
    );
    await model.release();
    const line = lines.find((l) => l.includes('warm-up'));
    expect(line).toMatch(/^embedding model warm warm-up at the largest batch shapes \(batch size 4, 256 tokens\): 2 x 128 tokens in \d+\.\d\d s, 4 x 64 tokens in \d+\.\d\d s; \d+\.\d\d s in all$/);
  });

  it('runs the reranker at its largest shape', async () => {
    const lines: string[] = [];
    const model = await loadRerankModel({ name: 'warm', dir: fixtures.reranker.dir }, { ...settings, warmupBatch: { maxBatchSize: 2, maxBatchTokens: 1024 }, log: (l) => lines.push(l) });
    await model.release();
    expect(lines.find((l) => l.includes('warm-up'))).toMatch(/^rerank model warm warm-up at the largest batch shapes \(batch size 2, 1024 tokens\): 2 x 128 tokens in /);
  });

  it('skips it when warm-up is off, and loads with the arena and memory patterns off', async () => {
    const lines: string[] = [];
    const model = await loadEmbeddingModel(
      { name: 'cold', dir: fixtures.embedder.dir },
      { ...settings, pooling: 'mean', warmup: false, cpuMemArena: false, memPattern: false, warmupBatch: { maxBatchSize: 4, maxBatchTokens: 256 }, log: (l) => lines.push(l) },
    );
    try {
      expect(lines.some((l) => l.includes('warm-up'))).toBe(false);
      const encodings = texts.map((t) => model.tokenize(t));
      expect(await model.embedBatch(encodings)).toEqual(await embedder.embedBatch(encodings));
    } finally {
      await model.release();
    }
  });
});

describe('defaultTokenizerUrl', () => {
  it('follows the Hugging Face layout', () => {
    expect(defaultTokenizerUrl('https://hf.co/x/resolve/main/onnx/model.onnx')).toBe('https://hf.co/x/resolve/main/tokenizer.json');
    expect(defaultTokenizerUrl('https://example.com/models/embed/model.onnx')).toBe('https://example.com/models/embed/tokenizer.json');
  });
});
