import type { OwnerId, VectorStore } from '@docrag/domain';
import { OwnerId as Owners, ParentId } from '@docrag/domain';
import { afterEach, describe, expect, it } from 'vitest';
import { hashedDense, hashedSparse } from '../fakes/fake-embedder';
import { makeFixtureFile } from '../fixtures';

export interface VectorStoreContractOptions {
  /** Dense dimension used by the hybrid tests (default 16). */
  readonly dimension?: number;
  /** Called after each test with the store (the contract also calls `store.close()`). */
  readonly cleanup?: (store: VectorStore) => Promise<void> | void;
  /** Skip the whole suite (e.g. no server): pass the reason, it is printed as the suite name. */
  readonly skip?: string | false;
}

const alice: OwnerId = Owners.user(1001);
const bob: OwnerId = Owners.user(2002);

const CATS = ['Cats purr when they are content and sometimes when they are stressed.', 'A kitten learns to purr in its first week of life.'];
const VOLCANO = ['Volcanoes erupt when magma pressure exceeds the strength of the crust.', 'Basalt lava flows are runny and travel far from the vent.'];
const BAKING = ['Sourdough bread rises because wild yeast ferments the dough.', 'Bake the loaf in a hot Dutch oven for a crisp crust.'];

/**
 * The behaviour every `VectorStore` must have. Call it from a test file of each adapter:
 *
 * @example runVectorStoreContract('SqliteVectorStore', () => createSqliteVectorStore({ path: ':memory:' }))
 *
 * `factory` must return a fresh, empty store each time (the contract calls `ensureReady` itself).
 */
export function runVectorStoreContract(
  name: string,
  factory: () => VectorStore | Promise<VectorStore>,
  options: VectorStoreContractOptions = {},
): void {
  const dimension = options.dimension ?? 16;
  const suite = options.skip ? describe.skip : describe;
  suite(`VectorStore contract: ${name}${options.skip ? ` (skipped: ${options.skip})` : ''}`, () => {
    const opened: VectorStore[] = [];
    const open = async (dim: number | undefined = dimension): Promise<VectorStore> => {
      const store = await factory();
      opened.push(store);
      await store.ensureReady(dim === undefined ? {} : { dimension: dim });
      return store;
    };
    afterEach(async () => {
      for (const store of opened.splice(0)) {
        await options.cleanup?.(store);
        await store.close?.();
      }
    });
    const file = (ownerId: OwnerId, fileName: string, parents: readonly (readonly string[])[], dim = dimension) =>
      makeFixtureFile({ ownerId, fileName, parents, dimension: dim });
    const q = (text: string, dim: number | undefined = dimension) => ({
      sparse: hashedSparse(text),
      ...(dim ? { dense: hashedDense(text, dim) } : {}),
    });

    it('ensureReady is idempotent', async () => {
      const store = await open();
      await store.ensureReady({ dimension });
      expect((await store.stats()).chunks).toBe(0);
    });

    it('ranks the obviously relevant chunk first in a hybrid query', async () => {
      const store = await open();
      const f = file(alice, 'animals.md', [CATS, VOLCANO, BAKING]);
      await store.upsert({ chunks: f.chunks, parents: f.parents });
      const hits = await store.query({ ownerId: alice, ...q('why does lava flow from a volcano vent') });
      expect(hits.length).toBeGreaterThan(0);
      expect(VOLCANO).toContain(hits[0]!.chunk.text);
      for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
    });

    it('answers sparse-only queries (no dense vector in the query)', async () => {
      const store = await open();
      const f = file(alice, 'animals.md', [CATS, VOLCANO, BAKING]);
      await store.upsert({ chunks: f.chunks, parents: f.parents });
      const hits = await store.query({ ownerId: alice, sparse: hashedSparse('sourdough yeast') });
      expect(hits[0]!.chunk.text).toBe(BAKING[0]);
    });

    it('works as a sparse-only store (created with no dimension)', async () => {
      const store = await open(undefined);
      const f = file(alice, 'animals.md', [CATS, VOLCANO], 0);
      await store.upsert({ chunks: f.chunks, parents: f.parents });
      const hits = await store.query({ ownerId: alice, sparse: hashedSparse('kitten purr') });
      expect(CATS).toContain(hits[0]!.chunk.text);
      expect((await store.stats()).chunks).toBe(4);
    });

    it('returns chunks with every field intact and respects the limit', async () => {
      const store = await open();
      const f = file(alice, 'animals.md', [CATS, VOLCANO, BAKING]);
      await store.upsert({ chunks: f.chunks, parents: f.parents });
      const hits = await store.query({ ownerId: alice, ...q('cats kitten purr'), limit: 2 });
      expect(hits).toHaveLength(2);
      const original = f.chunks.find((c) => c.chunk.id === hits[0]!.chunk.id)!.chunk;
      expect(hits[0]!.chunk).toEqual(original);
    });

    it('upserts idempotently: writing a file twice leaves one copy', async () => {
      const store = await open();
      const f = file(alice, 'animals.md', [CATS, VOLCANO]);
      await store.upsert({ chunks: f.chunks, parents: f.parents });
      await store.upsert({ chunks: f.chunks, parents: f.parents });
      expect(await store.stats()).toMatchObject({ chunks: 4, parents: 2, files: 1 });
      const hits = await store.query({ ownerId: alice, ...q('cats purr') });
      const ids = hits.map((h) => h.chunk.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(await store.listFiles(alice)).toEqual([{ fileId: f.fileId, chunkCount: 4, parentCount: 2 }]);
    });

    it('isolates owners on every read and on delete', async () => {
      const store = await open();
      const a = file(alice, 'a.md', [CATS]);
      const b = file(bob, 'b.md', [CATS, VOLCANO]);
      await store.upsert({ chunks: a.chunks, parents: a.parents });
      await store.upsert({ chunks: b.chunks, parents: b.parents });

      const hits = await store.query({ ownerId: alice, ...q('volcano lava magma cats purr') });
      expect(hits.length).toBeGreaterThan(0);
      expect(hits.every((h) => h.chunk.ownerId === alice)).toBe(true);
      // Even naming Bob's file explicitly does not reach it.
      expect(await store.query({ ownerId: alice, ...q('volcano lava'), fileIds: [b.fileId] })).toEqual([]);

      expect(await store.getParents(alice, b.parents.map((p) => p.id))).toEqual([]);
      expect(await store.getFileParents(alice, b.fileId)).toEqual([]);
      expect((await store.listFiles(alice)).map((f) => f.fileId)).toEqual([a.fileId]);
      expect(await store.stats(alice)).toMatchObject({ chunks: 2, parents: 1, files: 1 });

      expect(await store.deleteFile(alice, b.fileId)).toBe(0);
      expect(await store.stats(bob)).toMatchObject({ chunks: 4, parents: 2, files: 1 });
      expect(await store.stats()).toMatchObject({ chunks: 6, parents: 3, files: 2 });
    });

    it('restricts a query to the given fileIds', async () => {
      const store = await open();
      const one = file(alice, 'one.md', [CATS]);
      const two = file(alice, 'two.md', [['Cats also purr loudly while sleeping on warm laptops.']]);
      await store.upsert({ chunks: [...one.chunks, ...two.chunks], parents: [...one.parents, ...two.parents] });
      const hits = await store.query({ ownerId: alice, ...q('cats purr'), fileIds: [two.fileId] });
      expect(hits.map((h) => h.chunk.fileId)).toEqual([two.fileId]);
      const both = await store.query({ ownerId: alice, ...q('cats purr') });
      expect(new Set(both.map((h) => h.chunk.fileId))).toEqual(new Set([one.fileId, two.fileId]));
    });

    it('deleteFile removes every chunk and parent of the file and nothing else', async () => {
      const store = await open();
      const keep = file(alice, 'keep.md', [BAKING]);
      const gone = file(alice, 'gone.md', [CATS, VOLCANO]);
      await store.upsert({ chunks: [...keep.chunks, ...gone.chunks], parents: [...keep.parents, ...gone.parents] });
      expect(await store.deleteFile(alice, gone.fileId)).toBe(4);
      expect(await store.getParents(alice, gone.parents.map((p) => p.id))).toEqual([]);
      expect(await store.getFileParents(alice, gone.fileId)).toEqual([]);
      expect((await store.listFiles(alice)).map((f) => f.fileId)).toEqual([keep.fileId]);
      expect(await store.stats(alice)).toMatchObject({ chunks: 2, parents: 1, files: 1 });
      const hits = await store.query({ ownerId: alice, ...q('volcano lava cats kitten') });
      expect(hits.every((h) => h.chunk.fileId === keep.fileId)).toBe(true);
      expect(await store.deleteFile(alice, gone.fileId)).toBe(0);
    });

    it('getParents returns known parents in request order and skips unknown ids', async () => {
      const store = await open();
      const f = file(alice, 'animals.md', [CATS, VOLCANO, BAKING]);
      await store.upsert({ chunks: f.chunks, parents: f.parents });
      const unknown = ParentId.of(f.fileId, 99);
      const got = await store.getParents(alice, [f.parents[2]!.id, unknown, f.parents[0]!.id]);
      expect(got.map((p) => p.id)).toEqual([f.parents[2]!.id, f.parents[0]!.id]);
      expect(got[0]).toEqual(f.parents[2]);
      expect(await store.getParents(alice, [])).toEqual([]);
    });

    it('getFileParents returns a file’s parents in document order', async () => {
      const store = await open();
      const f = file(alice, 'animals.md', [CATS, VOLCANO, BAKING]);
      await store.upsert({ chunks: f.chunks, parents: [...f.parents].reverse() });
      expect((await store.getFileParents(alice, f.fileId)).map((p) => p.index)).toEqual([0, 1, 2]);
    });

    it('counts chunks, parents and files in stats', async () => {
      const store = await open();
      expect(await store.stats()).toMatchObject({ chunks: 0, parents: 0, files: 0 });
      const a = file(alice, 'a.md', [CATS, VOLCANO, BAKING]);
      const b = file(alice, 'b.md', [CATS]);
      await store.upsert({ chunks: [...a.chunks, ...b.chunks], parents: [...a.parents, ...b.parents] });
      expect(await store.stats()).toMatchObject({ chunks: 8, parents: 4, files: 2 });
      const listed = await store.listFiles(alice);
      expect(listed.find((x) => x.fileId === a.fileId)).toEqual({ fileId: a.fileId, chunkCount: 6, parentCount: 3 });
    });

    it('returns nothing for an owner with no documents', async () => {
      const store = await open();
      const f = file(alice, 'a.md', [CATS]);
      await store.upsert({ chunks: f.chunks, parents: f.parents });
      expect(await store.query({ ownerId: bob, ...q('cats purr') })).toEqual([]);
      expect(await store.listFiles(bob)).toEqual([]);
    });
  });
}
