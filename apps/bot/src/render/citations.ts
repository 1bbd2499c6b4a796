/**
 * `[Source N]` markers -> labels people can read ("[1: report.pdf, p. 3]"). Sources are numbered
 * by the use case before the first token streams (AnswerEvent `retrieved`), so the labels built
 * here never change while an answer is being edited.
 */
import type { Source } from '@docrag/domain';

export interface SourceLabel {
  readonly n: number;
  readonly fileName: string;
  readonly pages?: string;
  readonly heading?: string;
}

export function pagesOf(pageStart?: number, pageEnd?: number): string | undefined {
  if (pageStart === undefined) return undefined;
  return pageEnd !== undefined && pageEnd !== pageStart ? `pp. ${pageStart}–${pageEnd}` : `p. ${pageStart}`;
}

export function labelSources(sources: readonly Source[]): Map<number, SourceLabel> {
  const labels = new Map<number, SourceLabel>();
  for (const s of sources) {
    const pages = pagesOf(s.parent.pageStart, s.parent.pageEnd);
    const heading = s.parent.headingPath.at(-1);
    labels.set(s.n, {
      n: s.n,
      fileName: s.parent.fileName,
      ...(pages ? { pages } : {}),
      ...(heading ? { heading } : {}),
    });
  }
  return labels;
}

export function formatLabel(label: SourceLabel): string {
  return `${label.n}: ${label.fileName}${label.pages ? `, ${label.pages}` : ''}`;
}

/** `[Source 1]`, `[Source 1, 2]`, `[Sources 1-3]`, `[Source 2 and 4]`, `[source 1; source 3]`, `[Sources: 1, 2]`, `[Source #2]` (the forms the domain's extractCitations reads). */
const MARKER = /\[\s*sources?\s*:?\s*#?(\d+(?:\s*(?:,|;|and|&|[-–—])\s*(?:sources?\s*)?#?\d+)*)\s*\]/giu;

function numbersIn(list: string): number[] {
  const out: number[] = [];
  for (const piece of list.split(/\s*(?:,|;|\band\b|&)\s*/iu)) {
    const cleaned = piece.replace(/^sources?\s*/iu, '').replace(/^#/u, '').trim();
    const range = /^(\d+)\s*[-–—]\s*(\d+)$/u.exec(cleaned);
    if (range) for (let n = Number(range[1]); n <= Math.min(Number(range[2]), Number(range[1]) + 20); n++) out.push(n);
    else if (/^\d+$/u.test(cleaned)) out.push(Number(cleaned));
  }
  return out;
}

/** Replaces each marker by its label(s); unknown numbers become `[N]` rather than a false file name. */
export function renderCitations(text: string, labels: ReadonlyMap<number, SourceLabel>): string {
  return text.replace(MARKER, (_m, list: string) =>
    numbersIn(list)
      .map((n) => {
        const label = labels.get(n);
        return label ? `[${formatLabel(label)}]` : `[${n}]`;
      })
      .join(''),
  );
}

/**
 * While streaming, hides a marker that is still being typed (`… see [Sour`) so the preview never
 * flashes a half-rendered citation.
 */
export function hidePartialMarker(text: string): string {
  return text.replace(/\[[^\]\n]{0,24}$/, (tail) => (/^\[\s*s(o(u(r(c(es?)?)?)?)?)?/i.test(tail) || tail === '[' ? '' : tail));
}
