import path from 'node:path';
import { loadBertTokenizer, type BertTokenizer } from './bert-tokenizer';
import type { MlDevice, ProviderName, SessionSettings } from './execution-providers';
import { ensureModelFile } from './model-files';
import { createOnnxSession, type OnnxSession } from './onnx-runtime';
import { poolAndNormalize, type Pooling } from './pooling';
import { padBatch, type Encoded } from './tensors';

/** Where a model's files live, and where to get them on first start. */
export interface ModelSource {
  /** Name reported in /health/ready and `ml_model_info`. */
  readonly name: string;
  /** Folder holding `model.onnx` and `tokenizer.json` (downloads land here). */
  readonly dir: string;
  readonly modelUrl?: string;
  readonly modelSha256?: string;
  readonly tokenizerUrl?: string;
  readonly tokenizerSha256?: string;
}

export interface LoadModelOptions extends SessionSettings {
  readonly device: MlDevice;
  /** Longest input in word pieces (special tokens included). */
  readonly maxLength: number;
  /**
   * Run the model after loading so the first request does not pay for lazy initialisation
   * (default on). With `warmupBatch` the warm-up runs the largest batch shapes it allows.
   */
  readonly warmup?: boolean;
  /**
   * The largest batch the caller will send (its batcher's limits). onnxruntime keeps the memory
   * of its largest run for the life of the process, so warming up at these shapes makes the
   * process reach its peak size at start-up instead of under traffic.
   */
  readonly warmupBatch?: BatchLimits;
  readonly log?: (message: string) => void;
  readonly fetch?: typeof fetch;
  /** Overrides the installed backends (tests). */
  readonly available?: readonly string[];
  /**
   * Run inference in a worker thread (default), so a long batch does not stop the event loop;
   * false runs it on the calling thread (`createOnnxSession`).
   */
  readonly workerThread?: boolean;
}

/** A batcher's limits: most inputs per batch, and most `inputs x padded length`. */
export interface BatchLimits {
  readonly maxBatchSize: number;
  readonly maxBatchTokens: number;
}

/** One `[batch, sequence]` input shape. */
export interface BatchShape {
  readonly batch: number;
  readonly sequence: number;
}

/**
 * The largest input shapes a batcher with these limits can produce for a model truncating at
 * `maxLength`: the longest inputs, as many as the token budget allows (attention memory grows with
 * batch x length², so for a fixed budget the longest sequence costs most), and, where the budget
 * binds before the batch size does, the fullest batch at the length the budget leaves
 * (feed-forward memory grows with batch x length). One shape when the budget holds a full batch
 * of longest inputs.
 */
export function largestBatchShapes(limits: BatchLimits, maxLength: number): BatchShape[] {
  const maxBatch = Math.max(1, Math.floor(limits.maxBatchSize));
  const longest: BatchShape = { batch: Math.max(1, Math.min(maxBatch, Math.floor(limits.maxBatchTokens / maxLength))), sequence: maxLength };
  const fullest: BatchShape = { batch: maxBatch, sequence: Math.max(1, Math.min(maxLength, Math.floor(limits.maxBatchTokens / maxBatch))) };
  return fullest.batch === longest.batch && fullest.sequence === longest.sequence ? [longest] : [longest, fullest];
}

/**
 * Runs `run` once per largest shape, on copies of `longest` (an input of maxLength word pieces,
 * cut to each shape's length keeping its final [SEP]), and logs which shapes ran and how long each
 * took.
 */
async function warmUpAtLargestShapes(
  what: string,
  limits: BatchLimits,
  longest: Encoded,
  run: (encodings: readonly Encoded[]) => Promise<unknown>,
  log: ((message: string) => void) | undefined,
): Promise<void> {
  const started = performance.now();
  const done: string[] = [];
  for (const shape of largestBatchShapes(limits, longest.ids.length)) {
    const t0 = performance.now();
    const cut: Encoded = { ids: [...longest.ids.slice(0, shape.sequence - 1), ...longest.ids.slice(-1)], typeIds: longest.typeIds.slice(0, shape.sequence) };
    await run(Array.from({ length: shape.batch }, () => cut));
    done.push(`${shape.batch} x ${shape.sequence} tokens in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  }
  log?.(`${what} warm-up at the largest batch shapes (batch size ${limits.maxBatchSize}, ${limits.maxBatchTokens} tokens): ${done.join(', ')}; ${((performance.now() - started) / 1000).toFixed(2)} s in all`);
}

export interface LoadedModelInfo {
  readonly name: string;
  readonly provider: ProviderName;
  readonly maxLength: number;
  readonly loadSeconds: number;
}

export interface EmbeddingModelInfo extends LoadedModelInfo {
  readonly dimension: number;
  readonly pooling: Pooling;
}

/** A sentence embedder: tokenise, run batches, pool, normalise. */
export interface EmbeddingModel {
  readonly info: EmbeddingModelInfo;
  tokenize(text: string): Encoded;
  /** Embeds exactly the given encodings as one batch; one unit vector per encoding, in order. */
  embedBatch(encodings: readonly Encoded[]): Promise<number[][]>;
  release(): Promise<void>;
}

/** A cross-encoder: tokenise (query, document) pairs, run batches, return logits. */
export interface RerankModel {
  readonly info: LoadedModelInfo;
  tokenizePair(query: string, document: string): Encoded;
  /** Scores exactly the given pair encodings as one batch; one logit per pair, in order. */
  scoreBatch(encodings: readonly Encoded[]): Promise<number[]>;
  release(): Promise<void>;
}

/**
 * Downloads (if configured and missing) and verifies `model.onnx` and `tokenizer.json`.
 * The tokenizer URL defaults to `tokenizer.json` beside the model, or one folder up when the model
 * sits in an `onnx/` folder (the Hugging Face Hub layout).
 */
export async function prepareModelFiles(source: ModelSource, options: Pick<LoadModelOptions, 'log' | 'fetch'>): Promise<{ modelPath: string; modelSha256: string }> {
  const modelPath = path.join(source.dir, 'model.onnx');
  const common = { ...(options.log ? { log: options.log } : {}), ...(options.fetch ? { fetch: options.fetch } : {}) };
  const modelSha256 = await ensureModelFile({
    dest: modelPath,
    ...(source.modelUrl ? { url: source.modelUrl } : {}),
    ...(source.modelSha256 ? { sha256: source.modelSha256 } : {}),
    ...common,
  });
  const tokenizerUrl = source.tokenizerUrl ?? (source.modelUrl ? defaultTokenizerUrl(source.modelUrl) : undefined);
  await ensureModelFile({
    dest: path.join(source.dir, 'tokenizer.json'),
    ...(tokenizerUrl ? { url: tokenizerUrl } : {}),
    ...(source.tokenizerSha256 ? { sha256: source.tokenizerSha256 } : {}),
    ...common,
  });
  if (!source.modelSha256) options.log?.(`${modelPath}: no sha256 pin configured (sha256 is ${modelSha256})`);
  return { modelPath, modelSha256 };
}

/** `.../onnx/model.onnx` -> `.../tokenizer.json`; `.../model.onnx` -> `.../tokenizer.json`. */
export function defaultTokenizerUrl(modelUrl: string): string {
  const url = new URL(modelUrl);
  return new URL(url.pathname.includes('/onnx/') ? '../tokenizer.json' : './tokenizer.json', url).toString();
}

async function openSession(source: ModelSource, options: LoadModelOptions): Promise<{ session: OnnxSession; tokenizer: BertTokenizer }> {
  const { modelPath } = await prepareModelFiles(source, options);
  const tokenizer = loadBertTokenizer(source.dir, options.maxLength);
  const session = await createOnnxSession(modelPath, {
    device: options.device,
    intraOpThreads: options.intraOpThreads,
    interOpThreads: options.interOpThreads,
    graphOptimizationLevel: options.graphOptimizationLevel,
    ...(options.allowSpinning === undefined ? {} : { allowSpinning: options.allowSpinning }),
    ...(options.cpuMemArena === undefined ? {} : { cpuMemArena: options.cpuMemArena }),
    ...(options.memPattern === undefined ? {} : { memPattern: options.memPattern }),
    ...(options.log ? { log: options.log } : {}),
    ...(options.available ? { available: options.available } : {}),
    ...(options.workerThread === undefined ? {} : { workerThread: options.workerThread }),
  });
  for (const input of ['input_ids', 'attention_mask']) {
    if (!session.inputNames.includes(input)) {
      await session.release();
      throw new Error(`${modelPath} has no ${input} input (inputs: ${session.inputNames.join(', ')}); expected a BERT-style graph`);
    }
  }
  return { session, tokenizer };
}

function feedsFor(session: OnnxSession, encodings: readonly Encoded[]) {
  const batch = padBatch(encodings);
  const dims = [batch.batch, batch.sequence];
  const feeds = {
    input_ids: { data: batch.inputIds, dims },
    attention_mask: { data: batch.attentionMask, dims },
    // Some exports (e.g. distilled models) have no token_type_ids input.
    ...(session.inputNames.includes('token_type_ids') ? { token_type_ids: { data: batch.tokenTypeIds, dims } } : {}),
  };
  return { feeds, lengths: batch.lengths };
}

/** Loads a sentence-embedding model (output `last_hidden_state` `[batch, seq, dim]`). */
export async function loadEmbeddingModel(source: ModelSource, options: LoadModelOptions & { pooling: Pooling }): Promise<EmbeddingModel> {
  const started = performance.now();
  const { session, tokenizer } = await openSession(source, options);
  const output = session.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : session.outputNames[0];
  if (!output) throw new Error(`${source.dir}/model.onnx has no outputs`);

  const embedBatch = async (encodings: readonly Encoded[]): Promise<number[][]> => {
    if (encodings.length === 0) return [];
    const { feeds, lengths } = feedsFor(session, encodings);
    const result = (await session.run(feeds, [output]))[output];
    if (!result) throw new Error(`model returned no ${output}`);
    return poolAndNormalize(result.data, result.dims, lengths, options.pooling);
  };

  // The dimension is read from a real run (also the warm-up): ONNX files often leave it symbolic.
  const probe = await embedBatch([tokenizer.encode('warm up')]);
  const dimension = probe[0]?.length ?? 0;
  if (options.warmup !== false) {
    await embedBatch([tokenizer.encode('warm up the session with a second, longer input')]);
    if (options.warmupBatch) {
      // Filler words until truncation: exactly maxLength word pieces, [CLS] ... [SEP].
      const longest = tokenizer.encode('warm up '.repeat(tokenizer.maxLength));
      await warmUpAtLargestShapes(`embedding model ${source.name}`, options.warmupBatch, longest, embedBatch, options.log);
    }
  }
  const info: EmbeddingModelInfo = {
    name: source.name,
    provider: session.provider,
    maxLength: tokenizer.maxLength,
    dimension,
    pooling: options.pooling,
    loadSeconds: (performance.now() - started) / 1000,
  };
  options.log?.(`embedding model ${info.name} loaded on ${info.provider}: dim ${dimension}, max length ${info.maxLength}, ${info.loadSeconds.toFixed(2)} s`);
  return { info, tokenize: (text) => tokenizer.encode(text), embedBatch, release: () => session.release() };
}

/**
 * Loads a cross-encoder (output `logits` `[batch, 1]`). For a two-class head the last column (the
 * "relevant" class) is the score.
 */
export async function loadRerankModel(source: ModelSource, options: LoadModelOptions): Promise<RerankModel> {
  const started = performance.now();
  const { session, tokenizer } = await openSession(source, options);
  const output = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0];
  if (!output) throw new Error(`${source.dir}/model.onnx has no outputs`);

  const scoreBatch = async (encodings: readonly Encoded[]): Promise<number[]> => {
    if (encodings.length === 0) return [];
    const { feeds } = feedsFor(session, encodings);
    const result = (await session.run(feeds, [output]))[output];
    if (!result) throw new Error(`model returned no ${output}`);
    const columns = result.dims.length >= 2 ? (result.dims[result.dims.length - 1] ?? 1) : 1;
    return encodings.map((_, row) => result.data[row * columns + (columns - 1)] ?? Number.NaN);
  };

  if (options.warmup !== false) {
    await scoreBatch([tokenizer.encodePair('warm up', 'the session before the first request')]);
    if (options.warmupBatch) {
      // A short query and a document truncated to fill the pair to maxLength word pieces.
      const longest = tokenizer.encodePair('warm up', 'document '.repeat(tokenizer.maxLength));
      await warmUpAtLargestShapes(`rerank model ${source.name}`, options.warmupBatch, longest, scoreBatch, options.log);
    }
  }
  const info: LoadedModelInfo = { name: source.name, provider: session.provider, maxLength: tokenizer.maxLength, loadSeconds: (performance.now() - started) / 1000 };
  options.log?.(`rerank model ${info.name} loaded on ${info.provider}: max length ${info.maxLength}, ${info.loadSeconds.toFixed(2)} s`);
  return { info, tokenizePair: (q, d) => tokenizer.encodePair(q, d), scoreBatch, release: () => session.release() };
}
