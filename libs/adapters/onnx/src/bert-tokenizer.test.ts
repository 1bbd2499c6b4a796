import { inject, describe, expect, it } from 'vitest';
import { loadBertTokenizer, truncateLongestFirst } from './bert-tokenizer';

const fixtures = inject('onnxFixtures');

describe('loadBertTokenizer (real MiniLM tokenizers)', () => {
  const embed = loadBertTokenizer(fixtures.embedderTokenizerDir, 256);
  const rerank = loadBertTokenizer(fixtures.rerankerTokenizerDir, 512);

  it('encodes like the reference (`Hello world!` -> [101, 7592, 2088, 999, 102])', () => {
    expect(embed.encode('Hello world!')).toEqual({ ids: [101, 7592, 2088, 999, 102], typeIds: [0, 0, 0, 0, 0] });
  });

  it('truncates to the max length and keeps [CLS] ... [SEP]', () => {
    const long = embed.encode('word '.repeat(1000));
    expect(long.ids).toHaveLength(256);
    expect(long.ids[0]).toBe(101);
    expect(long.ids[255]).toBe(102);
  });

  it('caps the max length at the tokenizer config (model_max_length 512)', () => {
    expect(loadBertTokenizer(fixtures.embedderTokenizerDir, 4096).maxLength).toBe(512);
  });

  it('encodes pairs as [CLS] q [SEP] p [SEP] with token type ids 0 then 1', () => {
    const pair = rerank.encodePair('what is x', 'x is a letter');
    expect(pair.ids).toEqual([101, 2054, 2003, 1060, 102, 1060, 2003, 1037, 3661, 102]);
    expect(pair.typeIds).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
  });

  it('truncates a long passage first and keeps the short query whole', () => {
    const pair = rerank.encodePair('short query', 'passage '.repeat(2000));
    expect(pair.ids).toHaveLength(512);
    expect(pair.ids.slice(0, 4)).toEqual([101, ...rerank.encode('short query').ids.slice(1, 3), 102]);
    expect(pair.ids.at(-1)).toBe(102);
  });
});

describe('truncateLongestFirst', () => {
  it('removes from the longer side until both fit', () => {
    expect(truncateLongestFirst([1, 2], [3, 4, 5, 6, 7, 8], 5).map((x) => x.length)).toEqual([2, 3]);
    expect(truncateLongestFirst([1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12], 6).map((x) => x.length)).toEqual([3, 3]);
    expect(truncateLongestFirst([1], [2], 5)).toEqual([[1], [2]]);
  });
});
