/**
 * CUDA checks, run by `nx run onnx:test-gpu`. They skip (with the reason) on machines without an
 * NVIDIA GPU or without the CUDA build of onnxruntime-node, which is every CI runner today.
 */
import { existsSync } from 'node:fs';
import { inject, describe, expect, it } from 'vitest';
import { loadEmbeddingModel } from './onnx-models';
import { availableExecutionProviders } from './onnx-runtime';

const fixtures = inject('onnxFixtures');
const hasGpu = existsSync('/dev/nvidia0') || existsSync('/dev/nvidiactl');
const hasCudaProvider = availableExecutionProviders().includes('cuda');
const reason = !hasGpu ? 'no NVIDIA GPU device' : !hasCudaProvider ? 'onnxruntime-node has no CUDA provider installed' : '';

describe.skipIf(reason !== '')(`CUDA execution provider${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('loads on CUDA under ML_DEVICE=cuda and matches the CPU vectors closely', async () => {
    const settings = { intraOpThreads: 0, interOpThreads: 0, graphOptimizationLevel: 'all' as const, maxLength: 128, pooling: 'mean' as const };
    const gpu = await loadEmbeddingModel({ name: 'tiny', dir: fixtures.embedder.dir }, { ...settings, device: 'cuda' });
    const cpu = await loadEmbeddingModel({ name: 'tiny', dir: fixtures.embedder.dir }, { ...settings, device: 'cpu' });
    try {
      expect(gpu.info.provider).toBe('cuda');
      const enc = ['Hello world!', 'GPU inference'].map((t) => gpu.tokenize(t));
      const [a, b] = [await gpu.embedBatch(enc), await cpu.embedBatch(enc)];
      a.forEach((row, i) => row.forEach((v, d) => expect(v).toBeCloseTo(b[i]![d]!, 3)));
    } finally {
      await gpu.release();
      await cpu.release();
    }
  });
});
