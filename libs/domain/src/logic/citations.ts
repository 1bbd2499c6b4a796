import type { Citation, Source } from '../model/answer';
import { formatPages } from './prompt';

/** `[Source 1]`, `[Source 1, 2]`, `[Sources 1-3]`, `[Source 2 and 4]`, `[source 1; source 3]`, `[Sources: 1, 2]`, `[Source #2]`. */
const MARKER = /\[\s*sources?\s*([^\]]{1,80})\]/giu;

/** The source numbers inside one marker's body, e.g. "1, 3-5" -> [1, 3, 4, 5] (ranges capped at `max`). */
function parseNumbers(body: string, max: number): number[] {
  const out: number[] = [];
  // `\b` only knows ASCII word characters, so the conjunctions are delimited with Unicode letters.
  for (const piece of body.split(/\s*(?:,|;|&|(?<![\p{L}\p{N}])(?:and|und|и)(?![\p{L}\p{N}]))\s*/iu)) {
    const cleaned = piece.replace(/^sources?\s*/iu, '').replace(/^[:#№\s]+/u, '').trim();
    const range = /^(\d+)\s*[-–—]\s*(\d+)$/u.exec(cleaned);
    if (range) {
      const from = Number(range[1]);
      const to = Math.min(Number(range[2]), max);
      for (let n = from; n <= to; n++) out.push(n);
    } else if (/^\d+$/u.test(cleaned)) out.push(Number(cleaned));
  }
  return out;
}

/**
 * Replaces every `[Source N]` marker (any form `extractCitations` reads) with `render(numbers)`;
 * a bracket that names no number (`[Sources are below]`) is left as written. Ranges stop at `max`.
 * Renderers use this so they read markers exactly as the citations were extracted.
 */
export function replaceCitationMarkers(text: string, render: (numbers: readonly number[]) => string, max: number): string {
  return text.replace(MARKER, (whole: string, body: string) => {
    const numbers = parseNumbers(body, max);
    return numbers.length > 0 ? render(numbers) : whole;
  });
}

/**
 * Maps the `[Source N]` markers in an answer to citations, in order of first mention. Numbers that
 * match no source (a model inventing `[Source 9]`) are dropped.
 */
export function extractCitations(text: string, sources: readonly Source[]): Citation[] {
  const byNumber = new Map(sources.map((s) => [s.n, s]));
  const max = Math.max(0, ...sources.map((s) => s.n));
  const seen = new Set<number>();
  const citations: Citation[] = [];
  for (const match of text.matchAll(MARKER)) {
    for (const n of parseNumbers(match[1] ?? '', max)) {
      const source = byNumber.get(n);
      if (!source || seen.has(n)) continue;
      seen.add(n);
      citations.push(citationFor(source));
    }
  }
  return citations;
}

/** The citation for one source (file, pages, heading path). */
export function citationFor(source: Source): Citation {
  const p = source.parent;
  return {
    n: source.n,
    fileId: p.fileId,
    fileName: p.fileName,
    ...(p.pageStart === undefined ? {} : { pageStart: p.pageStart }),
    ...(p.pageEnd === undefined ? {} : { pageEnd: p.pageEnd }),
    ...(p.headingPath.length > 0 ? { heading: p.headingPath.join(' › ') } : {}),
  };
}

/** One line per citation for a chat: `[1] report.pdf, pp. 3–4 — Results › Costs`. */
export function formatCitation(citation: Citation): string {
  const pages = formatPages(citation.pageStart, citation.pageEnd);
  return `[${citation.n}] ${citation.fileName}${pages ? `, ${pages}` : ''}${citation.heading ? ` — ${citation.heading}` : ''}`;
}
