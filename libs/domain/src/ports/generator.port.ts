import type { Source, TokenUsage } from '../model/answer';

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

export interface GenerateRequest {
  readonly messages: readonly ChatMessage[];
  /** The numbered sources the prompt was built from (an extractive generator answers from these). */
  readonly sources: readonly Source[];
  /** The user's question, as asked. */
  readonly question: string;
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly signal?: AbortSignal;
}

export type GenerationEvent =
  | { readonly type: 'delta'; readonly text: string }
  | {
      readonly type: 'done';
      readonly finishReason: string;
      readonly model: string;
      readonly usage?: TokenUsage;
    };

export interface GeneratorInfo {
  readonly model: string;
  /** `llm`: a language model; `extractive`: quotes the best passages (no API key configured). */
  readonly kind: 'llm' | 'extractive';
}

/** Streams an answer. Yields deltas, then exactly one `done`. Honours `signal` promptly. */
export interface Generator {
  readonly info: GeneratorInfo;
  generate(request: GenerateRequest): AsyncIterable<GenerationEvent>;
}
