import type { GenerateRequest, GenerationEvent, Generator, ParentChunk, Source } from '@docrag/domain';
import { FileId, OwnerId, ParentId } from '@docrag/domain';
import { describe, expect, it } from 'vitest';

export interface GeneratorContractOptions {
  readonly skip?: string | false;
  /** How long an aborted stream may take to stop (default 2000 ms). */
  readonly abortWithinMs?: number;
}

const owner = OwnerId.user(7);
const fileId = FileId.of(owner, 'c0ffee'.repeat(6));
const parent: ParentChunk = {
  id: ParentId.of(fileId, 0),
  fileId,
  ownerId: owner,
  fileName: 'cats.md',
  index: 0,
  text: 'Cats purr at about 25 to 150 Hz. Purring may help bones heal.',
  tokenCount: 18,
  headingPath: ['Cats'],
};
const sources: Source[] = [{ n: 1, parent, matched: [], score: 1 }];

/** A small but complete request, usable by any generator (an extractive one answers from `sources`). */
export function contractRequest(signal?: AbortSignal): GenerateRequest {
  return {
    question: 'How fast do cats purr?',
    sources,
    messages: [
      { role: 'system', content: 'Answer from the sources and cite them as [Source N].' },
      { role: 'user', content: `[Source 1] cats.md\n${parent.text}\n\nQuestion: How fast do cats purr?` },
    ],
    maxTokens: 64,
    ...(signal ? { signal } : {}),
  };
}

async function collect(stream: AsyncIterable<GenerationEvent>): Promise<GenerationEvent[]> {
  const events: GenerationEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** The behaviour every `Generator` must have: deltas, then exactly one `done`; abort honoured promptly. */
export function runGeneratorContract(name: string, factory: () => Generator | Promise<Generator>, options: GeneratorContractOptions = {}): void {
  const suite = options.skip ? describe.skip : describe;
  const within = options.abortWithinMs ?? 2000;
  suite(`Generator contract: ${name}${options.skip ? ` (skipped: ${options.skip})` : ''}`, () => {
    it('streams non-empty deltas followed by exactly one done, last', async () => {
      const generator = await factory();
      expect(generator.info.model).toMatch(/\S/);
      expect(['llm', 'extractive']).toContain(generator.info.kind);
      const events = await collect(generator.generate(contractRequest()));
      const deltas = events.filter((e) => e.type === 'delta');
      const dones = events.filter((e) => e.type === 'done');
      expect(deltas.length).toBeGreaterThan(0);
      expect(deltas.map((d) => d.text).join('')).toMatch(/\S/);
      expect(dones).toHaveLength(1);
      expect(events.at(-1)!.type).toBe('done');
      const done = dones[0]!;
      expect(done.model).toMatch(/\S/);
      expect(typeof done.finishReason).toBe('string');
      if (done.usage) {
        expect(done.usage.inputTokens).toBeGreaterThanOrEqual(0);
        expect(done.usage.outputTokens).toBeGreaterThanOrEqual(0);
      }
    });

    it('throws without yielding a done when the signal is already aborted', async () => {
      const generator = await factory();
      const controller = new AbortController();
      controller.abort(new Error('user cancelled'));
      const events: GenerationEvent[] = [];
      await expect(
        (async () => {
          for await (const e of generator.generate(contractRequest(controller.signal))) events.push(e);
        })(),
      ).rejects.toThrow();
      expect(events.filter((e) => e.type === 'done')).toHaveLength(0);
    });

    it('stops promptly when aborted mid-stream, never yielding a done', async () => {
      const generator = await factory();
      const controller = new AbortController();
      const events: GenerationEvent[] = [];
      let abortedAt = 0;
      const run = (async () => {
        for await (const e of generator.generate(contractRequest(controller.signal))) {
          events.push(e);
          if (e.type === 'delta' && abortedAt === 0) {
            abortedAt = performance.now();
            controller.abort(new Error('user cancelled'));
          }
        }
      })();
      const outcome = await run.then(
        () => 'completed',
        () => 'threw',
      );
      // A stream that had already finished before abort may complete; otherwise it must throw.
      if (outcome === 'threw') {
        expect(events.filter((e) => e.type === 'done')).toHaveLength(0);
        expect(performance.now() - abortedAt).toBeLessThan(within);
      } else {
        expect(events.at(-1)!.type).toBe('done');
        expect(events.filter((e) => e.type === 'delta')).toHaveLength(1);
      }
    });
  });
}
