import type { Generator } from '@docrag/domain';
import { ExtractiveGenerator } from './extractive-generator';
import type { ExtractiveGeneratorOptions } from './extractive-generator';
import { OpenAiGenerator } from './openai-generator';
import type { OpenAiGeneratorOptions } from './openai-generator';

/** Options for {@link createGenerator}: the LLM settings, with the key optional. */
export interface CreateGeneratorOptions extends Omit<OpenAiGeneratorOptions, 'apiKey'> {
  /** `OPENAI_API_KEY`. Absent or empty: answers are extractive (quoted passages, labelled). */
  readonly apiKey?: string;
  readonly extractive?: ExtractiveGeneratorOptions;
}

/**
 * Picks the generator: an OpenAI-compatible LLM when a key is configured, else the extractive
 * fallback, so a bot started with no LLM account still answers (with quotes and citations).
 * Local servers that need no key (Ollama, vLLM) take any placeholder, e.g. `OPENAI_API_KEY=ollama`.
 */
export function createGenerator(options: CreateGeneratorOptions): Generator {
  const { apiKey, extractive, ...llm } = options;
  if (apiKey === undefined || apiKey.trim() === '') return new ExtractiveGenerator(extractive);
  return new OpenAiGenerator({ ...llm, apiKey: apiKey.trim() });
}
