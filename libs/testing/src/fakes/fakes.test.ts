import { describe, expect, it } from 'vitest';
import { FakeEmbedder } from './fake-embedder';
import { FakeGenerator } from './fake-generator';
import { InMemoryVectorStore } from './in-memory-vector-store';
import { FakeReranker } from './fake-reranker';
import { FakeClock, InMemoryChatHistory, InMemoryFileRegistry, sha256Hasher } from './in-memory-storage';
import { FakeParsers } from './fake-parsers';
import { runEmbedderContract } from '../contracts/embedder.contract';
import { runGeneratorContract } from '../contracts/generator.contract';
import { runVectorStoreContract } from '../contracts/vector-store.contract';
import { loadSharedTokenizer } from '../shared-tokenizer';
import { FileId, OwnerId, RagError } from '@docrag/domain';

runVectorStoreContract('InMemoryVectorStore', () => new InMemoryVectorStore());
runEmbedderContract('FakeEmbedder (dense)', () => new FakeEmbedder(), { semanticDense: true });
runEmbedderContract('FakeEmbedder (sparse only)', () => new FakeEmbedder({ dimension: 0 }));
runGeneratorContract('FakeGenerator', () => new FakeGenerator({ delayMs: 5 }));
runGeneratorContract('FakeGenerator (extractive, no delay)', () => new FakeGenerator({ kind: 'extractive' }));

describe('fakes', () => {
  it('FakeReranker ranks by query-word overlap and can fail', async () => {
    const reranker = new FakeReranker();
    const out = await reranker.rerank('cats purr', ['stocks fell', 'cats purr loudly', 'cats sleep'], { topK: 2 });
    expect(out.map((r) => r.index)).toEqual([1, 2]);
    reranker.failWith = new Error('no model');
    await expect(reranker.rerank('x', ['y'])).rejects.toThrow('no model');
  });

  it('InMemoryChatHistory keeps only the newest turns', async () => {
    const history = new InMemoryChatHistory();
    for (let i = 0; i < 5; i++) await history.append('c', { question: `q${i}`, answer: `a${i}`, at: i }, 3);
    expect((await history.load('c')).map((t) => t.question)).toEqual(['q2', 'q3', 'q4']);
    await history.clear('c');
    expect(await history.load('c')).toEqual([]);
  });

  it('InMemoryFileRegistry scopes lookups by owner and lists incomplete records', async () => {
    const registry = new InMemoryFileRegistry();
    const a = OwnerId.user(1);
    const b = OwnerId.user(2);
    const base = { name: 'x.md', format: 'markdown' as const, sha256: 'ab', sizeBytes: 1, parentCount: 0, chunkCount: 0 };
    await registry.put({ ...base, fileId: FileId.of(a, 'ab'), ownerId: a, status: 'ready', createdAt: 1 });
    await registry.put({ ...base, fileId: FileId.of(b, 'ab'), ownerId: b, status: 'indexing', createdAt: 2 });
    expect((await registry.findBySha256(a, 'ab'))?.ownerId).toBe(a);
    expect(await registry.get(a, FileId.of(b, 'ab'))).toBeUndefined();
    expect((await registry.listIncomplete()).map((r) => r.ownerId)).toEqual([b]);
    expect(await registry.remove(a, FileId.of(a, 'ab'))).toBe(true);
    expect(await registry.list(a)).toEqual([]);
  });

  it('FakeClock advances on demand and automatically', () => {
    const clock = new FakeClock(100, 5);
    expect(clock.now()).toBe(100);
    expect(clock.now()).toBe(105);
    clock.advance(1000);
    expect(clock.now()).toBe(1110);
  });

  it('sha256Hasher is the real sha256', async () => {
    expect(await sha256Hasher.sha256(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('FakeParsers turns headings, paragraphs and pages into blocks', async () => {
    const parsers = new FakeParsers();
    const doc = await parsers.parse(new TextEncoder().encode('%PDF# Intro\n\nHello  world.\fSecond page.'), { fileName: 'a.pdf' });
    expect(doc).toEqual({
      format: 'pdf',
      pageCount: 2,
      blocks: [
        { kind: 'heading', level: 1, text: 'Intro', page: 1 },
        { kind: 'paragraph', text: 'Hello world.', page: 1 },
        { kind: 'paragraph', text: 'Second page.', page: 2 },
      ],
    });
    await expect(parsers.parse(new TextEncoder().encode('  \n\n ... '))).rejects.toBeInstanceOf(RagError);
    expect(() => parsers.detect(new TextEncoder().encode('PK\u0003\u0004'))).toThrow(/unsupported/);
  });

  it('loads the shared MiniLM tokenizer as a token counter', () => {
    const tokenizer = loadSharedTokenizer();
    expect(tokenizer.encode('Hello World, this is tokenization.')).toEqual([7592, 2088, 1010, 2023, 2003, 19204, 3989, 1012]);
    expect(tokenizer.count('tokenization')).toBe(2);
  });
});
