import type { Embedder, SparseVector } from '@docrag/domain';
import { describe, expect, it } from 'vitest';
import { cosine } from '../fakes/text';

export interface EmbedderContractOptions {
  /**
   * Also require dense vectors to rank a related text above an unrelated one. Leave off for
   * fixture models with random weights, whose dense output is meaningless.
   */
  readonly semanticDense?: boolean;
  readonly skip?: string | false;
}

function sparseDot(a: SparseVector, b: SparseVector): number {
  const weights = new Map(a.indices.map((id, i) => [id, a.values[i]!]));
  return b.indices.reduce((sum, id, i) => sum + (weights.get(id) ?? 0) * b.values[i]!, 0);
}


/**
 * The behaviour every `Embedder` must have (sparse always; dense when `describe()` reports a
 * dimension). `factory` may return a shared instance.
 */
export function runEmbedderContract(name: string, factory: () => Embedder | Promise<Embedder>, options: EmbedderContractOptions = {}): void {
  const suite = options.skip ? describe.skip : describe;
  suite(`Embedder contract: ${name}${options.skip ? ` (skipped: ${options.skip})` : ''}`, () => {
    const texts = ['Cats purr when they are content.', 'The stock market fell sharply on Monday.', 'Kittens purr too.'];

    it('describes itself consistently', async () => {
      const info = await (await factory()).describe();
      expect(info.sparseModel).toMatch(/\S/);
      if (info.dimension !== undefined) {
        expect(Number.isInteger(info.dimension) && info.dimension > 0).toBe(true);
        expect(info.denseModel).toMatch(/\S/);
      }
    });

    it('returns one embedding per text, in order, with well-formed vectors', async () => {
      const embedder = await factory();
      const info = await embedder.describe();
      for (const kind of ['document', 'query'] as const) {
        const out = await embedder.embed(texts, { kind });
        expect(out).toHaveLength(texts.length);
        for (const e of out) {
          expect(e.sparse.indices.length).toBe(e.sparse.values.length);
          expect(e.sparse.indices.length).toBeGreaterThan(0);
          for (let i = 0; i < e.sparse.indices.length; i++) {
            const id = e.sparse.indices[i]!;
            expect(Number.isInteger(id) && id >= 0 && id <= 0xffffffff).toBe(true);
            if (i > 0) expect(id).toBeGreaterThan(e.sparse.indices[i - 1]!);
            expect(Number.isFinite(e.sparse.values[i])).toBe(true);
          }
          if (info.dimension === undefined) expect(e.dense).toBeUndefined();
          else {
            expect(e.dense).toHaveLength(info.dimension);
            expect(e.dense!.every(Number.isFinite)).toBe(true);
          }
        }
        // Order: each text's sparse vector matches the one it gets alone.
        const alone = await embedder.embed([texts[1]!], { kind });
        expect(out[1]!.sparse).toEqual(alone[0]!.sparse);
      }
    });

    it('is deterministic', async () => {
      const embedder = await factory();
      const [a] = await embedder.embed([texts[0]!], { kind: 'document' });
      const [b] = await embedder.embed([texts[0]!], { kind: 'document' });
      expect(b!.sparse).toEqual(a!.sparse);
      if (a!.dense) b!.dense!.forEach((v, i) => expect(v).toBeCloseTo(a!.dense![i]!, 5));
    });

    it('returns an empty list for no texts', async () => {
      expect(await (await factory()).embed([], { kind: 'document' })).toEqual([]);
    });

    it('gives a query more sparse overlap with a related text than with an unrelated one', async () => {
      const embedder = await factory();
      const [query] = await embedder.embed(['why do cats purr'], { kind: 'query' });
      const [cats, market] = await embedder.embed([texts[0]!, texts[1]!], { kind: 'document' });
      expect(sparseDot(query!.sparse, cats!.sparse)).toBeGreaterThan(sparseDot(query!.sparse, market!.sparse));
      if (options.semanticDense && query!.dense) {
        // An all-zero vector has no direction (cosine reads it as 0): none may be one.
        for (const e of [query, cats, market]) expect(e!.dense!.some((v) => v !== 0)).toBe(true);
        expect(cosine(query!.dense, cats!.dense!)).toBeGreaterThan(cosine(query!.dense, market!.dense!));
      }
    });

    it('rejects when the signal is already aborted', async () => {
      const embedder = await factory();
      const controller = new AbortController();
      controller.abort(new Error('stop'));
      await expect(embedder.embed(texts, { kind: 'document', signal: controller.signal })).rejects.toThrow();
    });
  });
}
