import { describe, expect, it } from 'vitest';
import type { Source } from '../model/answer';
import type { ParentChunk } from '../model/document';
import { FileId, OwnerId, ParentId } from '../model/ids';
import { citationFor, extractCitations, formatCitation, replaceCitationMarkers } from './citations';
import { buildAnswerMessages, buildCondenseMessages, cleanCondensed, formatSources, heuristicCondense, languageName } from './prompt';

const owner = OwnerId.user(1);
const fileA = FileId.of(owner, 'a'.repeat(64));
const fileB = FileId.of(owner, 'b'.repeat(64));

function source(n: number, over: Partial<ParentChunk> = {}): Source {
  const parent: ParentChunk = {
    id: ParentId.of(fileA, n),
    fileId: fileA,
    ownerId: owner,
    fileName: 'report.pdf',
    index: n,
    text: `Text of part ${n}.`,
    tokenCount: 5,
    headingPath: ['Results', 'Costs'],
    pageStart: n,
    pageEnd: n + 1,
    ...over,
  };
  return { n, parent, matched: [], score: 1 / n };
}

const sources = [source(1), source(2, { fileId: fileB, fileName: 'notes.md', headingPath: [], pageStart: undefined, pageEnd: undefined }), source(3), source(4)];

describe('prompt building', () => {
  it('numbers the sources with file, location and text', () => {
    const block = formatSources(sources.slice(0, 2));
    expect(block).toBe('[Source 1] report.pdf (Results › Costs, pp. 1–2)\nText of part 1.\n\n---\n\n[Source 2] notes.md\nText of part 2.');
  });

  it('builds a system prompt that demands [Source N] citations, admits missing answers and sets the language', () => {
    const [system, user] = buildAnswerMessages({ question: ' How much? ', sources, language: 'de' });
    expect(system!.role).toBe('system');
    expect(system!.content).toContain('[Source N]');
    expect(system!.content).toMatch(/do not contain the answer/);
    expect(system!.content).toContain('Write the answer in German.');
    expect(user!.content.endsWith('Question: How much?')).toBe(true);
    expect(user!.content).toContain('[Source 4] report.pdf');
    const [noLang] = buildAnswerMessages({ question: 'q', sources });
    expect(noLang!.content).toContain('language of the question');
  });

  it('names languages and passes unknown tags through', () => {
    expect(languageName('ru')).toBe('Russian');
    expect(languageName('not a tag!')).toBe('not a tag!');
  });

  it('condenses with an LLM prompt or a heuristic', () => {
    const history = [{ question: 'What does the warranty cover?', answer: 'x'.repeat(900), at: 1 }];
    const [system, user] = buildCondenseMessages(history, 'And for how long?');
    expect(system!.content).toMatch(/standalone question/);
    expect(user!.content).toContain('User: What does the warranty cover?');
    expect(user!.content).toContain('Last message: And for how long?');
    expect(user!.content.length).toBeLessThan(700);
    expect(heuristicCondense(history, 'And for how long?')).toBe('What does the warranty cover? And for how long?');
    expect(heuristicCondense([], ' Alone? ')).toBe('Alone?');
    expect(cleanCondensed('Question: "How long is the warranty?"\nextra')).toBe('How long is the warranty?');
    expect(cleanCondensed('  \n')).toBeUndefined();
  });
});

describe('extractCitations', () => {
  it('maps single, listed and ranged markers in order of first mention, once each', () => {
    const text = 'Costs rose [Source 3]. Both agree [Source 1, 2]. See also [Sources 2-4] and [source 3].';
    expect(extractCitations(text, sources).map((c) => c.n)).toEqual([3, 1, 2, 4]);
  });

  it('accepts "and", semicolons, en dashes and repeated words', () => {
    expect(extractCitations('[Source 4 and 1]', sources).map((c) => c.n)).toEqual([4, 1]);
    expect(extractCitations('[Source 4 и 1] [Quelle 2 und 3]', sources).map((c) => c.n)).toEqual([4, 1]);
    expect(extractCitations('[Sources 3 und 2]', sources).map((c) => c.n)).toEqual([3, 2]);
    expect(extractCitations('[Source 2; Source 1]', sources).map((c) => c.n)).toEqual([2, 1]);
    expect(extractCitations('[Sources 1–2]', sources).map((c) => c.n)).toEqual([1, 2]);
    expect(extractCitations('[Sources: 3, 1] [Source #2]', sources).map((c) => c.n)).toEqual([3, 1, 2]);
  });

  it('drops numbers with no source and ignores other brackets', () => {
    expect(extractCitations('[Source 9] [1] [Source] [Sources 3-1000000] (Source 2)', sources).map((c) => c.n)).toEqual([3, 4]);
    expect(extractCitations('no citations here', sources)).toEqual([]);
  });

  it('resolves file, pages and heading', () => {
    expect(extractCitations('[Source 1]', sources)).toEqual([
      { n: 1, fileId: fileA, fileName: 'report.pdf', pageStart: 1, pageEnd: 2, heading: 'Results › Costs' },
    ]);
    expect(citationFor(sources[1]!)).toEqual({ n: 2, fileId: fileB, fileName: 'notes.md' });
  });

  it('formats a citation for a chat', () => {
    expect(formatCitation(citationFor(sources[0]!))).toBe('[1] report.pdf, pp. 1–2 — Results › Costs');
    expect(formatCitation(citationFor(sources[1]!))).toBe('[2] notes.md');
    expect(formatCitation({ n: 5, fileId: fileA, fileName: 'a.pdf', pageStart: 7, pageEnd: 7 })).toBe('[5] a.pdf, p. 7');
  });
});

describe('replaceCitationMarkers', () => {
  it('rewrites the markers extractCitations reads, with the same numbers, and leaves other brackets alone', () => {
    const render = (numbers: readonly number[]) => `<${numbers.join('+')}>`;
    expect(replaceCitationMarkers('a [Source 1] b [Sources 2-4] c [source 3 и 1] d [Sources are below] e [1]', render, 3)).toBe(
      'a <1> b <2+3> c <3+1> d [Sources are below] e [1]',
    );
  });
});
