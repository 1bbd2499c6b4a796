import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBeir } from './beir';
import { formatReport, parseCli } from './scifact';

describe('eval:scifact command line', () => {
  it('defaults to the shared SciFact copy, the embedded store and BM25', () => {
    const options = parseCli([], { DOCRAG_SHARED_DIR: '/data/shared' });
    expect(options).toMatchObject({
      data: '/data/shared/eval/scifact',
      store: 'sqlite',
      encoder: 'bm25',
      tokenizer: '/data/shared/models/all-MiniLM-L6-v2-tokenizer',
      chunkLimit: 200,
    });
  });

  it('accepts any BEIR folder and the store/encoder flags', () => {
    const options = parseCli(['--data', '/tmp/nfcorpus', '--store=memory', '--encoder', 'ml-api', '--max-queries', '5'], {});
    expect(options).toMatchObject({ data: '/tmp/nfcorpus', store: 'memory', encoder: 'ml-api', maxQueries: 5 });
  });

  it('names the bad flag', () => {
    expect(() => parseCli(['--store', 'postgres'], {})).toThrow(/--store must be sqlite, memory or qdrant, got "postgres"/);
    expect(parseCli(['--store', 'qdrant'], {}).store).toBe('qdrant');
    expect(() => parseCli(['--encoder', 'splade'], {})).toThrow(/--encoder must be bm25 or ml-api/);
    expect(() => parseCli(['--chunk-limit', '0'], {})).toThrow(/--chunk-limit must be a positive integer/);
    expect(() => parseCli(['--bogus'], {})).toThrow(/bogus/);
  });

  it('ends the report with nDCG@10=<value>', () => {
    const text = formatReport(
      { ndcg10: 0.70123, recall100: 0.92, mrr10: 0.66, queries: 300, documents: 5183, chunks: 6876, indexSeconds: 12.3, queryP50Ms: 2, queryP95Ms: 4, store: 'sqlite', encoder: 'bm25-english-v1' },
      '/d',
    );
    expect(text.split('\n').at(-1)).toBe('nDCG@10=0.7012');
    expect(text).toContain('Recall@100      0.9200');
    expect(text).toContain('p50 2.00 ms, p95 4.00 ms');
  });
});

describe('loadBeir', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'beir-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads gzipped corpora, keeps only judged queries and parses graded qrels', () => {
    const corpus = [{ _id: 'd1', title: 'T', text: 'x' }, { _id: 2, text: 'no title' }].map((r) => JSON.stringify(r)).join('\n');
    writeFileSync(path.join(dir, 'corpus.jsonl.gz'), gzipSync(corpus));
    writeFileSync(path.join(dir, 'queries.jsonl'), ['{"_id":"q1","text":"a"}', '{"_id":"q2","text":"b"}'].join('\n'));
    mkdirSync(path.join(dir, 'qrels'));
    writeFileSync(path.join(dir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\t2\t1\n');
    const data = loadBeir(dir);
    expect(data.corpus).toEqual([
      { id: 'd1', title: 'T', text: 'x' },
      { id: '2', title: '', text: 'no title' },
    ]);
    expect(data.queries).toEqual([{ id: 'q1', text: 'a' }]);
    expect(data.qrels.get('q1')).toEqual(new Map([['d1', 2], ['2', 1]]));
  });

  it('says which file is missing', () => {
    expect(() => loadBeir(path.join(dir, 'nope'))).toThrow(/no corpus.jsonl or corpus.jsonl.gz/);
  });
});
