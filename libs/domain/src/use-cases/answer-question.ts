import type { Answer, ChatTurn, ScoredChunk, Source, TokenUsage } from '../model/answer';
import type { ParentId } from '../model/ids';
import { RagError, isRagError } from '../model/errors';
import type { Embedder } from '../ports/embedder.port';
import type { Generator } from '../ports/generator.port';
import type { Reranker } from '../ports/reranker.port';
import type { ChatHistory, Clock } from '../ports/storage.port';
import type { VectorStore } from '../ports/vector-store.port';
import { extractCitations } from '../logic/citations';
import { buildAnswerMessages, buildCondenseMessages, cleanCondensed, heuristicCondense } from '../logic/prompt';
import type { AnswerEvent, AnswerInput, AnswerQuestion, AnswerStage } from './types';

export interface AnswerDeps {
  readonly embedder: Embedder;
  readonly store: VectorStore;
  /** Optional: without it (or when it fails) the fused order is kept and `rerankSkipped` is true. */
  readonly reranker?: Reranker;
  readonly generator: Generator;
  readonly history: ChatHistory;
  readonly clock: Clock;
  /** Candidates fetched from the store by hybrid search (default 30). */
  readonly retrievalLimit?: number;
  /** Chunks kept after reranking (default 5). */
  readonly rerankTopK?: number;
  /** Turns of history kept per chat for condensing follow-ups (default 3). */
  readonly maxHistoryTurns?: number;
  readonly maxTokens?: number;
  readonly temperature?: number;
  /** Text of the answer when nothing relevant was found (no LLM call is made). */
  readonly noSourcesText?: string;
  /** Stage timings in ms (metrics); must not throw, errors are swallowed. */
  readonly onStage?: (stage: AnswerStage, ms: number) => void;
}

/** Defaults of `makeAnswerQuestion`: 30 fused candidates, top 5 after rerank, 3 turns of history. */
export const ANSWER_DEFAULTS = {
  retrievalLimit: 30,
  rerankTopK: 5,
  maxHistoryTurns: 3,
  noSourcesText: 'I could not find anything about this in your documents. Try rephrasing the question, or send the document that covers it.',
} as const;

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RagError({ code: 'cancelled' }, { cause: signal.reason });
}

/**
 * Answering: condense the question with history -> embed -> hybrid search (owner-scoped) ->
 * rerank -> expand the best children to their parents -> numbered sources -> streamed answer ->
 * citations -> history. Yields `retrieved` (sources are final before any text), the deltas, then
 * one `done`. Throws `RagError` (`cancelled` when the signal fires).
 */
export function makeAnswerQuestion(deps: AnswerDeps): AnswerQuestion {
  const retrievalLimit = deps.retrievalLimit ?? ANSWER_DEFAULTS.retrievalLimit;
  const topK = deps.rerankTopK ?? ANSWER_DEFAULTS.rerankTopK;
  const maxTurns = deps.maxHistoryTurns ?? ANSWER_DEFAULTS.maxHistoryTurns;
  const noSourcesText = deps.noSourcesText ?? ANSWER_DEFAULTS.noSourcesText;

  const observe = (stage: AnswerStage, startedAt: number) => {
    try {
      deps.onStage?.(stage, Math.max(0, deps.clock.now() - startedAt));
    } catch {
      // Observability never throws into the request path.
    }
  };

  async function condense(history: readonly ChatTurn[], question: string, signal?: AbortSignal): Promise<string> {
    if (history.length === 0) return question.trim();
    if (deps.generator.info.kind !== 'llm') return heuristicCondense(history, question);
    const startedAt = deps.clock.now();
    try {
      let text = '';
      for await (const event of deps.generator.generate({
        messages: buildCondenseMessages(history, question),
        sources: [],
        question,
        maxTokens: 128,
        temperature: 0,
        ...(signal ? { signal } : {}),
      })) {
        if (event.type === 'delta') text += event.text;
      }
      return cleanCondensed(text) ?? heuristicCondense(history, question);
    } catch {
      checkAborted(signal);
      // Condensing is an optimisation: an LLM hiccup here should not cost the user the answer.
      return heuristicCondense(history, question);
    } finally {
      observe('condense', startedAt);
    }
  }

  async function rerank(query: string, hits: readonly ScoredChunk[], signal?: AbortSignal): Promise<{ top: ScoredChunk[]; skipped: boolean }> {
    const fused = { top: hits.slice(0, topK), skipped: true };
    if (!deps.reranker || hits.length === 0) return fused;
    const startedAt = deps.clock.now();
    try {
      const results = await deps.reranker.rerank(
        query,
        hits.map((h) => h.chunk.text),
        { topK, ...(signal ? { signal } : {}) },
      );
      const top: ScoredChunk[] = [];
      for (const r of results) {
        const hit = hits[r.index];
        // An index outside the candidates (a misbehaving reranker) is ignored, not trusted.
        if (hit && top.length < topK) top.push({ chunk: hit.chunk, score: r.score });
      }
      return top.length > 0 ? { top, skipped: false } : fused;
    } catch {
      checkAborted(signal);
      return fused;
    } finally {
      observe('rerank', startedAt);
    }
  }

  async function expand(input: AnswerInput, top: readonly ScoredChunk[]): Promise<Source[]> {
    const order: ParentId[] = [];
    const matched = new Map<ParentId, ScoredChunk[]>();
    for (const hit of top) {
      const list = matched.get(hit.chunk.parentId);
      if (list) list.push(hit);
      else {
        matched.set(hit.chunk.parentId, [hit]);
        order.push(hit.chunk.parentId);
      }
    }
    const parents = await deps.store.getParents(input.ownerId, order, input.signal);
    const byId = new Map(parents.filter((p) => p.ownerId === input.ownerId).map((p) => [p.id, p]));
    const sources: Source[] = [];
    for (const id of order) {
      const parent = byId.get(id);
      if (!parent) continue;
      const hits = matched.get(id) ?? [];
      sources.push({ n: sources.length + 1, parent, matched: hits, score: Math.max(...hits.map((h) => h.score)) });
    }
    return sources;
  }

  return async function* answerQuestion(input: AnswerInput): AsyncGenerator<AnswerEvent> {
    const { signal } = input;
    const question = input.question.trim();
    if (!question) throw new RagError({ code: 'invalid_input', reason: 'the question is empty' });
    checkAborted(signal);

    const history = await deps.history.load(input.chatKey);
    const retrievalQuery = await condense(history.slice(-maxTurns), question, signal);
    checkAborted(signal);

    let startedAt = deps.clock.now();
    const [embedding] = await deps.embedder.embed([retrievalQuery], { kind: 'query', ...(signal ? { signal } : {}) });
    observe('embed', startedAt);
    if (!embedding) throw new RagError({ code: 'dependency_unavailable', dependency: 'ml-api' }, { message: 'embedder returned no embedding for the query' });
    checkAborted(signal);

    startedAt = deps.clock.now();
    const hits = await deps.store.query({
      ownerId: input.ownerId,
      sparse: embedding.sparse,
      limit: retrievalLimit,
      ...(embedding.dense ? { dense: embedding.dense } : {}),
      ...(input.fileIds ? { fileIds: input.fileIds } : {}),
      ...(signal ? { signal } : {}),
    });
    observe('search', startedAt);
    // Defence in depth: a store bug must never leak another owner's text into an answer.
    const owned = hits.filter((h) => h.chunk.ownerId === input.ownerId);
    checkAborted(signal);

    const { top, skipped } = await rerank(retrievalQuery, owned, signal);
    const sources = top.length > 0 ? await expand(input, top) : [];
    checkAborted(signal);
    yield { type: 'retrieved', sources, rerankSkipped: skipped, retrievalQuery };

    if (sources.length === 0) {
      const answer: Answer = { question, retrievalQuery, text: noSourcesText, sources, citations: [], mode: 'no_sources', rerankSkipped: skipped };
      yield { type: 'done', answer };
      return;
    }

    let text = '';
    let model: string | undefined;
    let usage: TokenUsage | undefined;
    let finishReason: string | undefined;
    const llmStart = deps.clock.now();
    let first = true;
    try {
      for await (const event of deps.generator.generate({
        messages: buildAnswerMessages({ question, sources, ...(input.language ? { language: input.language } : {}) }),
        sources,
        question,
        ...(deps.maxTokens === undefined ? {} : { maxTokens: deps.maxTokens }),
        ...(deps.temperature === undefined ? {} : { temperature: deps.temperature }),
        ...(signal ? { signal } : {}),
      })) {
        if (event.type === 'delta') {
          if (event.text.length === 0) continue;
          if (first) {
            observe('llm_ttft', llmStart);
            first = false;
          }
          text += event.text;
          yield { type: 'delta', text: event.text };
        } else {
          model = event.model;
          usage = event.usage;
          finishReason = event.finishReason;
        }
      }
    } catch (error) {
      if (signal?.aborted && !isRagError(error)) throw new RagError({ code: 'cancelled' }, { cause: error });
      throw error;
    }
    observe('llm_total', llmStart);
    checkAborted(signal);

    const answer: Answer = {
      question,
      retrievalQuery,
      text,
      sources,
      citations: extractCitations(text, sources),
      mode: deps.generator.info.kind === 'llm' ? 'generated' : 'extractive',
      model: model ?? deps.generator.info.model,
      ...(usage ? { usage } : {}),
      ...(finishReason === undefined ? {} : { finishReason }),
      rerankSkipped: skipped,
    };
    await deps.history.append(input.chatKey, { question, answer: text, at: deps.clock.now() }, maxTurns);
    yield { type: 'done', answer };
  };
}
