import type { GenerateRequest, GenerationEvent, Generator, GeneratorInfo, Source } from '@docrag/domain';
import { RagError } from '@docrag/domain';

/** Options of the no-LLM fallback. */
export interface ExtractiveGeneratorOptions {
  /** How many sources to quote (default 3). */
  readonly maxPassages?: number;
  /** Upper bound on one quoted passage, in characters (default 600). */
  readonly maxPassageChars?: number;
  /** Size of the streamed pieces, in characters (default 64), so chats see the answer grow as with an LLM. */
  readonly pieceChars?: number;
  /** The label put first in every answer. */
  readonly label?: string;
}

/** Shown above every extractive answer so nobody mistakes quotes for a generated answer. */
export const EXTRACTIVE_LABEL = '_Extractive answer (no language model configured): the most relevant passages from your documents._';

/** The model name reported for extractive answers (metrics, `/stats`). */
export const EXTRACTIVE_MODEL = 'extractive';

const WORD = /[\p{L}\p{N}]+/gu;
/** Words too common to say anything about relevance (English; other languages still match on content words). */
const STOP = new Set(
  'the a an and or of to in on at for by with from is are was were be been it its this that these those what which who whom how why when where does do did can could should would will shall may might about into than then there their them they you your we our not no'.split(' '),
);

function terms(text: string): Set<string> {
  const out = new Set<string>();
  for (const match of text.toLowerCase().matchAll(WORD)) {
    const word = match[0];
    if (word.length > 1 && !STOP.has(word)) out.add(word);
  }
  return out;
}

/** Sentence split that keeps the punctuation; good enough to choose a window of text to quote. */
function sentences(text: string): string[] {
  const parts = text.replace(/\s+/g, ' ').trim().match(/[^.!?。！？]+(?:[.!?。！？]+|$)\s*/gu);
  return (parts ?? []).map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * Picks the sentence with most question terms, then grows the window around it while it fits.
 * Falls back to the start of the best matching child chunk when no sentence shares a term.
 */
export function bestPassage(source: Source, question: string, maxChars: number): string {
  const wanted = terms(question);
  const list = sentences(source.parent.text);
  let best = -1;
  let bestScore = 0;
  list.forEach((sentence, i) => {
    let score = 0;
    for (const term of terms(sentence)) if (wanted.has(term)) score++;
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  });
  if (best < 0) {
    const text = (source.matched[0]?.chunk.text ?? source.parent.text).replace(/\s+/g, ' ').trim();
    return clip(text, maxChars);
  }
  let from = best;
  let to = best;
  let length = list[best]?.length ?? 0;
  for (;;) {
    const after = list[to + 1];
    const before = list[from - 1];
    if (after !== undefined && length + after.length + 1 <= maxChars) {
      to++;
      length += after.length + 1;
    } else if (before !== undefined && length + before.length + 1 <= maxChars) {
      from--;
      length += before.length + 1;
    } else break;
  }
  const passage = list.slice(from, to + 1).join(' ');
  return clip(passage, maxChars);
}

function clip(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > maxChars / 2 ? cut.slice(0, space) : cut}…`;
}

/** Splits at spaces into pieces of about `size` characters; joining them gives the text back exactly. */
export function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + size);
    if (end < text.length) {
      const space = text.indexOf(' ', end);
      end = space === -1 ? text.length : space + 1;
    }
    out.push(text.slice(start, end));
    start = end;
  }
  return out;
}

/**
 * Answers without a language model (no `OPENAI_API_KEY`): quotes the best passage of each of the
 * top sources, each followed by its `[Source N]` marker so the bot renders citations exactly as for
 * a generated answer. Labelled as extractive in the text and in `info.kind`.
 */
export class ExtractiveGenerator implements Generator {
  readonly info: GeneratorInfo = { model: EXTRACTIVE_MODEL, kind: 'extractive' };
  private readonly maxPassages: number;
  private readonly maxPassageChars: number;
  private readonly pieceChars: number;
  private readonly label: string;

  constructor(options: ExtractiveGeneratorOptions = {}) {
    this.maxPassages = options.maxPassages ?? 3;
    this.maxPassageChars = options.maxPassageChars ?? 600;
    this.pieceChars = options.pieceChars ?? 64;
    this.label = options.label ?? EXTRACTIVE_LABEL;
    if (this.maxPassages < 1 || this.maxPassageChars < 20 || this.pieceChars < 1) {
      throw new RagError({ code: 'invalid_input', reason: 'extractive generator limits must be positive (passages >= 1, passage chars >= 20)' });
    }
  }

  /** The full answer text for a request (what `generate` streams). */
  compose(request: Pick<GenerateRequest, 'sources' | 'question'>): string {
    if (request.sources.length === 0) {
      return `${this.label}\n\nNothing in your documents matches this question.`;
    }
    const chosen = [...request.sources].sort((a, b) => b.score - a.score || a.n - b.n).slice(0, this.maxPassages);
    const quotes = chosen
      .sort((a, b) => a.n - b.n)
      .map((source) => `> ${bestPassage(source, request.question, this.maxPassageChars)} [Source ${source.n}]`);
    return `${this.label}\n\n${quotes.join('\n\n')}`;
  }

  async *generate(request: GenerateRequest): AsyncIterable<GenerationEvent> {
    const signal = request.signal;
    const text = this.compose(request);
    for (const piece of pieces(text, this.pieceChars)) {
      if (signal?.aborted) throw new RagError({ code: 'cancelled' });
      yield { type: 'delta', text: piece };
      // A macrotask break between pieces, so a cancel or a Telegram edit can run in between.
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
    }
    if (signal?.aborted) throw new RagError({ code: 'cancelled' });
    yield { type: 'done', finishReason: 'stop', model: EXTRACTIVE_MODEL };
  }
}
