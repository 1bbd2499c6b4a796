import type { ChatTurn, Source } from '../model/answer';
import type { ChatMessage } from '../ports/generator.port';

/**
 * The system prompt. The model must cite with the exact `[Source N]` form because
 * `extractCitations` maps those markers back to files and pages; it must also admit when the
 * sources do not hold the answer, which is the main defence against confident hallucination in RAG.
 */
export function answerSystemPrompt(language?: string): string {
  const lang = language ? `Write the answer in ${languageName(language)}.` : 'Write the answer in the language of the question.';
  return [
    'You answer questions about the user’s own documents, using only the numbered sources provided.',
    'Cite every statement with the source it comes from, written exactly as [Source N] (for example [Source 2]); cite several as [Source 1, 3].',
    'Do not cite a source number that was not provided, and do not use outside knowledge.',
    'If the sources do not contain the answer, say so plainly in one sentence instead of guessing.',
    'Be concise: a short paragraph or a few bullet points. Quote exact numbers and names from the sources.',
    lang,
  ].join('\n');
}

/** "en" -> "English"; unknown or malformed tags are passed through as written. */
export function languageName(tag: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' }).of(tag) ?? tag;
  } catch {
    return tag;
  }
}

/** Where a source comes from, for the prompt and for citations: `Chapter 1 › Setup`, `p. 3–4`. */
export function describeLocation(location: { headingPath: readonly string[]; pageStart?: number; pageEnd?: number }): string {
  const parts: string[] = [];
  if (location.headingPath.length > 0) parts.push(location.headingPath.join(' › '));
  const pages = formatPages(location.pageStart, location.pageEnd);
  if (pages) parts.push(pages);
  return parts.join(', ');
}

/** `p. 3` or `pp. 3–5`; undefined when the format has no pages. */
export function formatPages(start?: number, end?: number): string | undefined {
  if (start === undefined) return undefined;
  return end === undefined || end === start ? `p. ${start}` : `pp. ${start}–${end}`;
}

/** The numbered source block of the prompt. */
export function formatSources(sources: readonly Source[]): string {
  return sources
    .map((s) => {
      const where = describeLocation(s.parent);
      return `[Source ${s.n}] ${s.parent.fileName}${where ? ` (${where})` : ''}\n${s.parent.text}`;
    })
    .join('\n\n---\n\n');
}

export interface AnswerPromptInput {
  readonly question: string;
  readonly sources: readonly Source[];
  /** BCP-47 tag of the answer language; default: the question's language. */
  readonly language?: string;
}

/** The messages for the answer: system rules, then the sources and the question in one user turn. */
export function buildAnswerMessages(input: AnswerPromptInput): ChatMessage[] {
  return [
    { role: 'system', content: answerSystemPrompt(input.language) },
    { role: 'user', content: `Sources:\n\n${formatSources(input.sources)}\n\nQuestion: ${input.question.trim()}` },
  ];
}

/**
 * Messages that turn a follow-up ("and the second one?") into a standalone question for
 * retrieval, from the recent turns. Answers are clipped: the question matters, not the prose.
 */
export function buildCondenseMessages(history: readonly ChatTurn[], question: string): ChatMessage[] {
  const transcript = history
    .map((t) => `User: ${t.question}\nAssistant: ${t.answer.length > 500 ? `${t.answer.slice(0, 500)}…` : t.answer}`)
    .join('\n\n');
  return [
    {
      role: 'system',
      content:
        'Rewrite the user’s last message as one standalone question that can be understood without the conversation. ' +
        'Keep its language and every name, number and term it refers to. If it is already standalone, return it unchanged. ' +
        'Reply with the question only.',
    },
    { role: 'user', content: `Conversation:\n${transcript}\n\nLast message: ${question.trim()}` },
  ];
}

/**
 * Condensing without an LLM: the previous question plus the current one. Crude, but for BM25 it
 * carries the subject of a follow-up ("what about its price?") into the query.
 */
export function heuristicCondense(history: readonly ChatTurn[], question: string): string {
  const previous = history.at(-1)?.question.trim();
  const current = question.trim();
  return previous && previous !== current ? `${previous} ${current}` : current;
}

/** Cleans an LLM's condensed question (quotes, "Question:" prefix, several lines); empty -> undefined. */
export function cleanCondensed(raw: string): string | undefined {
  const line = (raw.trim().split(/\n+/u)[0] ?? '')
    .replace(/^(standalone question|question)\s*:\s*/iu, '')
    .replace(/^["'«“]+|["'»”]+$/gu, '')
    .trim();
  return line.length > 0 ? line : undefined;
}
