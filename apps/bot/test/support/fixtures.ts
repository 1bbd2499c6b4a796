/** Domain values for bot tests: sources, answers and a scripted AnswerQuestion. */
import { ChunkId, FileId, OwnerId, ParentId, type Answer, type AnswerEvent, type AnswerInput, type AnswerQuestion, type Source } from '@docrag/domain';

export function makeSource(n: number, fileName: string, opts: { page?: number; heading?: string; text?: string; owner?: OwnerId } = {}): Source {
  const ownerId = opts.owner ?? OwnerId.user(42);
  const fileId = FileId.of(ownerId, `${fileName}`.padEnd(32, '0'));
  const text = opts.text ?? `Passage ${n} of ${fileName}.`;
  const parent = {
    id: ParentId.of(fileId, n),
    fileId,
    ownerId,
    fileName,
    index: n,
    text,
    tokenCount: 10,
    headingPath: opts.heading ? [opts.heading] : [],
    ...(opts.page !== undefined ? { pageStart: opts.page, pageEnd: opts.page } : {}),
  };
  return {
    n,
    parent,
    matched: [{ chunk: { ...parent, id: ChunkId.of(fileId, n), parentId: parent.id }, score: 1 / n }],
    score: 1 / n,
  };
}

export interface ScriptedAnswer {
  readonly sources: readonly Source[];
  readonly chunks: readonly string[];
  readonly delayMs?: number;
  readonly usage?: { inputTokens: number; outputTokens: number };
}

/** An AnswerQuestion that streams `chunks`, records its inputs and honours the abort signal. */
export function scriptedAnswerQuestion(script: ScriptedAnswer | ((input: AnswerInput) => ScriptedAnswer)) {
  const inputs: AnswerInput[] = [];
  const fn: AnswerQuestion = async function* (input): AsyncGenerator<AnswerEvent> {
    inputs.push(input);
    const s = typeof script === 'function' ? script(input) : script;
    yield { type: 'retrieved', sources: s.sources, rerankSkipped: true, retrievalQuery: input.question };
    let text = '';
    for (const chunk of s.chunks) {
      if (s.delayMs) await new Promise((r) => setTimeout(r, s.delayMs));
      if (input.signal?.aborted) throw input.signal.reason;
      text += chunk;
      yield { type: 'delta', text: chunk };
    }
    const answer: Answer = {
      question: input.question,
      retrievalQuery: input.question,
      text,
      sources: s.sources,
      citations: [],
      mode: s.sources.length ? 'generated' : 'no_sources',
      rerankSkipped: true,
      ...(s.usage ? { usage: s.usage } : {}),
    };
    yield { type: 'done', answer };
  };
  return { fn, inputs };
}
