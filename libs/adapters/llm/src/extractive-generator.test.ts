import { describe, expect, it } from 'vitest';
import type { GenerateRequest, GenerationEvent } from '@docrag/domain';
import { RagError } from '@docrag/domain';
import { EXTRACTIVE_LABEL, ExtractiveGenerator, pieces } from './extractive-generator';
import { createGenerator } from './create-generator';
import { OpenAiGenerator } from './openai-generator';
import { source } from '../test/sources';

const filler = 'Unrelated filler sentence about gardening and tomatoes. '.repeat(20);
const sources = [
  source(1, `${filler}The BM25 function ranks documents by term frequency and inverse document frequency. ${filler}`, 0.9),
  source(2, 'Reciprocal rank fusion merges several ranked lists with the formula 1/(k + rank).', 0.8),
  source(3, 'Nothing relevant here at all, just prose.', 0.1),
  source(4, 'Qdrant stores sparse vectors with an IDF modifier.', 0.05),
];
const request = (over: Partial<GenerateRequest> = {}): GenerateRequest => ({
  messages: [{ role: 'user', content: 'How does BM25 rank documents?' }],
  question: 'How does BM25 rank documents?',
  sources,
  ...over,
});

async function collect(gen: ExtractiveGenerator, req: GenerateRequest): Promise<GenerationEvent[]> {
  const events: GenerationEvent[] = [];
  for await (const event of gen.generate(req)) events.push(event);
  return events;
}

describe('ExtractiveGenerator', () => {
  it('is labelled as extractive, in info and in the text', async () => {
    const gen = new ExtractiveGenerator();
    expect(gen.info).toEqual({ model: 'extractive', kind: 'extractive' });
    expect(gen.compose(request()).startsWith(EXTRACTIVE_LABEL)).toBe(true);
  });

  it('quotes the best passage of each top source with its [Source N] marker', () => {
    const text = new ExtractiveGenerator({ maxPassageChars: 200 }).compose(request());
    const quote = text.split('\n\n').find((p) => p.includes('[Source 1]'))!;
    expect(quote.startsWith('> The BM25 function ranks documents by term frequency and inverse document frequency.')).toBe(true);
    expect(quote.endsWith(' [Source 1]')).toBe(true);
    expect(text).toContain('[Source 2]');
    expect(text).toContain('[Source 3]');
    // only the top three by score are quoted, and the 200-char window leaves most of the filler out
    expect(text).not.toContain('[Source 4]');
    expect(quote.length).toBeLessThanOrEqual(200 + '> '.length + ' [Source 1]'.length);
  });

  it('streams the answer in several pieces that join to the composed text, then one done', async () => {
    const gen = new ExtractiveGenerator({ pieceChars: 16 });
    const events = await collect(gen, request());
    const deltas = events.filter((e) => e.type === 'delta');
    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.map((e) => (e.type === 'delta' ? e.text : '')).join('')).toBe(gen.compose(request()));
    expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'stop', model: 'extractive' });
  });

  it('says so when there are no sources', () => {
    expect(new ExtractiveGenerator().compose(request({ sources: [] }))).toMatch(/Nothing in your documents matches/);
  });

  it('stops on abort', async () => {
    const controller = new AbortController();
    const gen = new ExtractiveGenerator({ pieceChars: 8 });
    let seen = 0;
    await expect(
      (async () => {
        for await (const event of gen.generate(request({ signal: controller.signal }))) {
          if (event.type === 'delta' && ++seen === 2) controller.abort();
        }
      })(),
    ).rejects.toSatisfy((e) => e instanceof RagError && e.code === 'cancelled');
    expect(seen).toBe(2);
  });

  it('splits at spaces without losing a character', () => {
    const text = 'a bc def  ghij klmno ü 🙂 end';
    for (const size of [1, 3, 7, 100]) expect(pieces(text, size).join('')).toBe(text);
  });
});

describe('createGenerator', () => {
  const base = { model: 'gpt-4o', maxTokens: 512, timeoutMs: 1000 };
  it('falls back to extractive answers without an API key', () => {
    expect(createGenerator(base).info.kind).toBe('extractive');
    expect(createGenerator({ ...base, apiKey: '  ' }).info.kind).toBe('extractive');
  });
  it('uses the LLM when a key is set', () => {
    const gen = createGenerator({ ...base, apiKey: 'sk-x', baseURL: 'http://127.0.0.1:11434/v1' });
    expect(gen).toBeInstanceOf(OpenAiGenerator);
    expect(gen.info).toEqual({ model: 'gpt-4o', kind: 'llm' });
  });
});
