/**
 * @docrag/tokenizer: the production `TokenCounter` for chunking, over @huggingface/tokenizers
 * (the only file importing it is hf-token-counter.ts). Defaults to the vendored MiniLM tokenizer in
 * models/; `TOKENIZER_PATH` in an app's config overrides it.
 */

// ---- token counting ----
export { createTokenizerTokenCounter, DEFAULT_TOKENIZER_DIR, HuggingFaceTokenCounter, loadTokenizer } from './hf-token-counter';
