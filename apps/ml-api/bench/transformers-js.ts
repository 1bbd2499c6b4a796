/**
 * The in-process baseline: @huggingface/transformers feature-extraction (mean pooling, normalised)
 * on the same model folder, with remote models off. Callers are concurrent like HTTP clients,
 * each embedding one text per call, which is how a bot would use it in-process.
 */
import { env, pipeline } from '@huggingface/transformers';
import path from 'node:path';
import { loadEmbeddingModel } from '@docrag/onnx';
import { inProcessLoad, type LoadResult } from './load';

export interface TransformersJsBaseline {
  /** Largest difference between its vectors and the ml-api adapter's on the same texts. */
  readonly maxAbsDiff: number;
  run(clients: number, durationMs: number): Promise<LoadResult>;
  dispose(): Promise<void>;
}

export async function loadTransformersJs(modelDir: string, texts: readonly string[]): Promise<TransformersJsBaseline> {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = path.dirname(modelDir);
  const extractor = await pipeline('feature-extraction', path.basename(modelDir), { dtype: 'fp32', device: 'cpu' });
  const embed = async (text: string) => Array.from((await extractor(text, { pooling: 'mean', normalize: true })).data as Float32Array);

  // Same file, same maths: the vectors must agree with our adapter's.
  const ours = await loadEmbeddingModel({ name: 'check', dir: modelDir }, { device: 'cpu', intraOpThreads: 0, interOpThreads: 0, graphOptimizationLevel: 'all', maxLength: 256, pooling: 'mean' });
  let maxAbsDiff = 0;
  for (const text of texts.slice(0, 8)) {
    const [a, b] = [await embed(text), (await ours.embedBatch([ours.tokenize(text)]))[0] ?? []];
    a.forEach((v, i) => (maxAbsDiff = Math.max(maxAbsDiff, Math.abs(v - (b[i] ?? 0)))));
  }
  await ours.release();
  for (let i = 0; i < 20; i++) await embed(texts[i % texts.length] ?? 'warm up');

  let counter = 0;
  return {
    maxAbsDiff,
    // One persistent counter, so successive runs keep walking through the texts.
    run: (clients, durationMs) => inProcessLoad(clients, durationMs, () => embed(texts[counter++ % texts.length] ?? '')),
    dispose: () => extractor.dispose(),
  };
}
