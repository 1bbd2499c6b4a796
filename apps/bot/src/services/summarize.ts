/**
 * Map-reduce summarisation over a file's parent chunks through the Generator port. A document
 * rarely fits one context window, so parents are packed into batches of about
 * SUMMARY_BATCH_TOKENS, each batch is summarised (map), and the partial summaries are combined
 * (reduce, repeated while they still exceed one batch). Small files take a single call.
 */
import { RagError, type Generator, type ParentChunk, type TokenUsage } from '@docrag/domain';

export interface SummaryOptions {
  readonly batchTokens: number;
  readonly maxTokens: number;
  readonly language?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface Summary {
  readonly text: string;
  readonly calls: number;
  readonly usage: TokenUsage;
  readonly extractive: boolean;
}

/** Groups consecutive parents into batches under `batchTokens` (a parent larger than that is its own batch). */
export function packBatches(parents: readonly ParentChunk[], batchTokens: number): ParentChunk[][] {
  const batches: ParentChunk[][] = [];
  let current: ParentChunk[] = [];
  let tokens = 0;
  for (const p of parents) {
    if (current.length > 0 && tokens + p.tokenCount > batchTokens) {
      batches.push(current);
      current = [];
      tokens = 0;
    }
    current.push(p);
    tokens += p.tokenCount;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function languageLine(language: string | undefined): string {
  return language ? ` Write in the language with BCP-47 code "${language}".` : ' Write in the language of the document.';
}

async function complete(generator: Generator, system: string, user: string, options: SummaryOptions): Promise<{ text: string; usage?: TokenUsage }> {
  let text = '';
  let usage: TokenUsage | undefined;
  for await (const ev of generator.generate({
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: user },
    ],
    sources: [],
    question: user.slice(0, 200),
    maxTokens: options.maxTokens,
    temperature: 0.2,
    ...(options.signal ? { signal: options.signal } : {}),
  })) {
    if (ev.type === 'delta') text += ev.text;
    else if (ev.usage) usage = ev.usage;
  }
  return { text: text.trim(), ...(usage ? { usage } : {}) };
}

/** Without an LLM, a "summary" is the opening of each section: labelled as such by the caller. */
function extractiveSummary(parents: readonly ParentChunk[]): string {
  const picks = parents.slice(0, 8).map((p) => {
    const heading = p.headingPath.at(-1);
    const firstSentence = (p.text.match(/^[\s\S]{20,400}?[.!?](\s|$)/)?.[0] ?? p.text.slice(0, 300)).trim();
    return `- ${heading ? `**${heading}**: ` : ''}${firstSentence}`;
  });
  return picks.join('\n');
}

export async function summarizeParents(generator: Generator, fileName: string, parents: readonly ParentChunk[], options: SummaryOptions): Promise<Summary> {
  if (parents.length === 0) throw new RagError({ code: 'not_found', what: 'file' });
  if (generator.info.kind === 'extractive') {
    return { text: extractiveSummary(parents), calls: 0, usage: { inputTokens: 0, outputTokens: 0 }, extractive: true };
  }
  const usage = { inputTokens: 0, outputTokens: 0 };
  let calls = 0;
  const add = (u?: TokenUsage) => {
    calls++;
    if (u) {
      usage.inputTokens += u.inputTokens;
      usage.outputTokens += u.outputTokens;
    }
  };
  const mapSystem = `You summarise part of the document "${fileName}". Keep facts, numbers, names and section structure; no preamble.${languageLine(options.language)}`;
  const batches = packBatches(parents, options.batchTokens);
  const total = batches.length;
  let partials: string[] = [];
  for (const [i, batch] of batches.entries()) {
    const body = batch.map((p) => `${p.headingPath.length ? `## ${p.headingPath.join(' > ')}\n` : ''}${p.text}`).join('\n\n');
    const r = await complete(generator, mapSystem, total === 1 ? `Summarise this document:\n\n${body}` : `Summarise part ${i + 1} of ${total}:\n\n${body}`, options);
    add(r.usage);
    partials.push(r.text);
    options.onProgress?.(i + 1, total + (total > 1 ? 1 : 0));
  }
  const reduceSystem = `You combine partial summaries of "${fileName}" into one coherent summary with short sections or bullet points.${languageLine(options.language)}`;
  // ~4 characters per token: reduce in groups that fit one batch until a single summary remains.
  while (partials.length > 1) {
    const groups: string[][] = [];
    let group: string[] = [];
    let chars = 0;
    for (const p of partials) {
      if (group.length > 0 && chars + p.length > options.batchTokens * 4) {
        groups.push(group);
        group = [];
        chars = 0;
      }
      group.push(p);
      chars += p.length;
    }
    groups.push(group);
    const next: string[] = [];
    for (const g of groups) {
      const r = await complete(generator, reduceSystem, g.map((p, j) => `Part ${j + 1}:\n${p}`).join('\n\n'), options);
      add(r.usage);
      next.push(r.text);
    }
    // Guard against a reduce step that does not shrink (one huge partial per group).
    if (next.length >= partials.length) {
      partials = [next.join('\n\n')];
      break;
    }
    partials = next;
  }
  options.onProgress?.(total + (total > 1 ? 1 : 0), total + (total > 1 ? 1 : 0));
  return { text: partials[0] ?? '', calls, usage, extractive: false };
}
