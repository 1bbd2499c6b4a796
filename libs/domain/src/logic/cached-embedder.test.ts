import { FakeEmbedder } from '@docrag/testing';
import { describe, expect, it } from 'vitest';
import { createCachedEmbedder } from './cached-embedder';

describe('createCachedEmbedder', () => {
  it('serves repeated queries from the cache and reports hits and misses', async () => {
    const inner = new FakeEmbedder();
    const outcomes: string[] = [];
    const cached = createCachedEmbedder(inner, { onLookup: (o) => outcomes.push(o) });
    const first = await cached.embed(['what is rrf?'], { kind: 'query' });
    const second = await cached.embed(['what is rrf?'], { kind: 'query' });
    expect(second).toEqual(first);
    expect(inner.embeddedCount('query')).toBe(1);
    expect(outcomes).toEqual(['miss', 'hit']);
  });

  it('embeds only the missing texts of a batch, once each, and keeps input order', async () => {
    const inner = new FakeEmbedder();
    const cached = createCachedEmbedder(inner);
    await cached.embed(['b'], { kind: 'query' });
    const out = await cached.embed(['a', 'b', 'a', 'c'], { kind: 'query' });
    expect(inner.calls.at(-1)!.texts).toEqual(['a', 'c']);
    const direct = await inner.embed(['a', 'b', 'a', 'c'], { kind: 'query' });
    expect(out).toEqual(direct);
  });

  it('passes document embeddings through without caching them', async () => {
    const inner = new FakeEmbedder();
    const cached = createCachedEmbedder(inner);
    await cached.embed(['doc'], { kind: 'document' });
    await cached.embed(['doc'], { kind: 'document' });
    expect(inner.embeddedCount('document')).toBe(2);
    expect(cached.cacheSize()).toBe(0);
  });

  it('evicts the least recently used query', async () => {
    const inner = new FakeEmbedder();
    const cached = createCachedEmbedder(inner, { size: 2 });
    await cached.embed(['a'], { kind: 'query' });
    await cached.embed(['b'], { kind: 'query' });
    await cached.embed(['a'], { kind: 'query' }); // a is now the most recent
    await cached.embed(['c'], { kind: 'query' }); // evicts b
    const before = inner.embeddedCount('query');
    await cached.embed(['a'], { kind: 'query' });
    expect(inner.embeddedCount('query')).toBe(before);
    await cached.embed(['b'], { kind: 'query' });
    expect(inner.embeddedCount('query')).toBe(before + 1);
    expect(cached.cacheSize()).toBe(2);
  });

  it('does not cache failures and survives a throwing observer', async () => {
    const inner = new FakeEmbedder({ failWith: new Error('ml-api down') });
    const cached = createCachedEmbedder(inner, {
      onLookup: () => {
        throw new Error('metrics broken');
      },
    });
    await expect(cached.embed(['q'], { kind: 'query' })).rejects.toThrow('ml-api down');
    inner.failWith = undefined;
    expect(await cached.embed(['q'], { kind: 'query' })).toHaveLength(1);
    expect(cached.cacheSize()).toBe(1);
    expect((await cached.describe()).sparseModel).toBe('fake-tf-v1');
  });
});
