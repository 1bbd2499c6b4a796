/**
 * @docrag/llm: the Generator port over OpenAI-compatible chat completions (the only place that
 * imports the `openai` SDK), and the extractive fallback used when no API key is configured.
 * Fetch-based only (no `node:*`), so the Deno edge entry uses it too.
 */

// ---- choosing a generator ----
export { createGenerator } from './create-generator';
export type { CreateGeneratorOptions } from './create-generator';

// ---- OpenAI-compatible LLM (OpenAI, OpenRouter, vLLM, Ollama) ----
export { OpenAiGenerator } from './openai-generator';
export type { OpenAiGeneratorOptions } from './openai-generator';

// ---- extractive fallback (no LLM) ----
export { ExtractiveGenerator, EXTRACTIVE_LABEL, EXTRACTIVE_MODEL, bestPassage } from './extractive-generator';
export type { ExtractiveGeneratorOptions } from './extractive-generator';

// ---- retry timing (shared by both, exported for tests and callers that want the same policy) ----
export { backoffDelayMs, parseRetryAfterMs, DEFAULT_BACKOFF } from './retry-policy';
export type { BackoffOptions } from './retry-policy';
