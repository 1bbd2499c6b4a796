/**
 * @docrag/onnx: ONNX Runtime inference for the ml-api (the only place importing onnxruntime-node
 * and @huggingface/tokenizers). Sentence embeddings (mean/CLS pooling + L2) and cross-encoder
 * logits, with model download, sha256 pinning and an execution-provider policy.
 */

// Models: load, tokenise, run one batch.
export { defaultTokenizerUrl, largestBatchShapes, loadEmbeddingModel, loadRerankModel, prepareModelFiles } from './onnx-models';
export type { BatchLimits, BatchShape, EmbeddingModel, EmbeddingModelInfo, LoadModelOptions, LoadedModelInfo, ModelSource, RerankModel } from './onnx-models';

// Execution providers (pure policy) and the session wrapper.
export { GRAPH_OPTIMIZATION_LEVELS, planExecutionProviders } from './execution-providers';
export type { GraphOptimizationLevel, MlDevice, ProviderName, ProviderPlan, SessionSettings } from './execution-providers';
export { availableExecutionProviders, createOnnxSession } from './onnx-runtime';
export type { OnnxSession } from './onnx-runtime';

// Tokenisation, padding and pooling (pure parts, exported for tests and benchmarks).
export { loadBertTokenizer, truncateLongestFirst } from './bert-tokenizer';
export type { BertTokenizer } from './bert-tokenizer';
export { padBatch } from './tensors';
export type { Encoded, PaddedBatch } from './tensors';
export { l2Normalize, poolAndNormalize } from './pooling';
export type { Pooling } from './pooling';

// Model files: download with resume, sha256 pins.
export { ModelFileError, ensureModelFile, sha256File, verifySha256 } from './model-files';
export type { EnsureFileOptions } from './model-files';
