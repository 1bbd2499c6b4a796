/**
 * `[Source N]` markers -> labels people can read ("[1: report.pdf, p. 3]"). Sources are numbered
 * by the use case before the first token streams (AnswerEvent `retrieved`), so the labels built
 * here never change while an answer is being edited.
 */
import { replaceCitationMarkers, type Source } from '@docrag/domain';

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

/**
 * Replaces each marker by its label(s); unknown numbers become `[N]` rather than a false file name.
 * Markers are read by the domain's parser, so what is rendered is exactly what was cited.
 */
export function renderCitations(text: string, labels: ReadonlyMap<number, SourceLabel>): string {
  // A range stops at the last source; a single invented number still shows, as [N].
  const max = Math.max(0, ...labels.keys());
  return replaceCitationMarkers(
    text,
    (numbers) =>
      numbers
        .map((n) => {
          const label = labels.get(n);
          return label ? `[${formatLabel(label)}]` : `[${n}]`;
        })
        .join(''),
    max,
  );
}

/**
 * While streaming, hides a marker that is still being typed (`… see [Sour`) so the preview never
 * flashes a half-rendered citation.
 */
export function hidePartialMarker(text: string): string {
  return text.replace(/\[[^\]\n]{0,24}$/, (tail) => (/^\[\s*s(o(u(r(c(es?)?)?)?)?)?/i.test(tail) || tail === '[' ? '' : tail));
}
