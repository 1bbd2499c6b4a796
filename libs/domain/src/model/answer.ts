import type { ChildChunk, ParentChunk } from './document';
import type { FileId } from './ids';

/** A chunk returned by a store query, with the store's fused score (higher is better). */
export interface ScoredChunk {
  readonly chunk: ChildChunk;
  readonly score: number;
}

/**
 * A numbered source given to the LLM. `n` is what the model cites as `[Source n]`; numbering is
 * fixed before generation starts, so it is stable while the answer streams.
 */
export interface Source {
  readonly n: number;
  readonly parent: ParentChunk;
  /** The child chunks that matched, best first. */
  readonly matched: readonly ScoredChunk[];
  /** Rerank score when a reranker ran, else the fused score. */
  readonly score: number;
}

/** A resolved `[Source N]` marker: what a chat shows next to the answer. */
export interface Citation {
  readonly n: number;
  readonly fileId: FileId;
  readonly fileName: string;
  readonly pageStart?: number;
  readonly pageEnd?: number;
  readonly heading?: string;
}

export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** How the answer was produced, for the user ("extractive") and for metrics. */
export type AnswerMode = 'generated' | 'extractive' | 'no_sources';

export interface Answer {
  readonly question: string;
  /** The standalone question actually used for retrieval (after condensing with history). */
  readonly retrievalQuery: string;
  readonly text: string;
  readonly sources: readonly Source[];
  /** Only the sources the text actually cites, in order of first citation. */
  readonly citations: readonly Citation[];
  readonly mode: AnswerMode;
  readonly model?: string;
  readonly usage?: TokenUsage;
  readonly finishReason?: string;
  /** True when the reranker was unavailable and the fused order was kept. */
  readonly rerankSkipped: boolean;
}

/** One exchange in a chat, kept for condensing follow-up questions. */
export interface ChatTurn {
  readonly question: string;
  readonly answer: string;
  /** Epoch milliseconds. */
  readonly at: number;
}
