import { chunkDocument, FileId, OwnerId } from '@docrag/domain';
import { loadSharedTokenizer, workspaceRoot } from '@docrag/testing';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTokenizerTokenCounter, DEFAULT_TOKENIZER_DIR, loadTokenizer } from './hf-token-counter';

describe('loadTokenizer', () => {
  it('loads the vendored MiniLM tokenizer and encodes like the reference', () => {
    const tokenizer = loadTokenizer(DEFAULT_TOKENIZER_DIR, workspaceRoot);
    // Reference ids from the tokenizer README ("Hello world!" -> [101, 7592, 2088, 999, 102]) minus [CLS]/[SEP].
    expect(tokenizer.encode('Hello world!')).toEqual([7592, 2088, 999]);
    expect(tokenizer.count('tokenization')).toBe(2);
    expect(tokenizer.count('')).toBe(0);
    expect(tokenizer.source).toBe(path.join(workspaceRoot, DEFAULT_TOKENIZER_DIR, 'tokenizer.json'));
  });

  it('is byte-for-byte the tokenizer in ../shared', () => {
    const vendored = createTokenizerTokenCounter(path.join(workspaceRoot, DEFAULT_TOKENIZER_DIR, 'tokenizer.json'));
    const shared = loadSharedTokenizer();
    const text = 'Résumé of the Bundesverfassungsgericht ruling, 2024: naïve café owners (über 3.14%)!';
    expect(vendored.count(text)).toBe(shared.count(text));
  });

  it('fails with a message naming the path', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tok-'));
    expect(() => loadTokenizer(path.join(dir, 'nope'))).toThrow(/tokenizer not found at .*nope.*TOKENIZER_PATH/);
    expect(() => loadTokenizer(dir)).toThrow(/no tokenizer.json in/);
    writeFileSync(path.join(dir, 'tokenizer.json'), '{ not json');
    expect(() => loadTokenizer(dir)).toThrow(/is not valid JSON/);
    writeFileSync(path.join(dir, 'tokenizer.json'), '{"version":"1.0"}');
    expect(() => loadTokenizer(dir)).toThrow(/not a Hugging Face tokenizer.json/);
  });

  it('plugs into the chunker', () => {
    const counter = createTokenizerTokenCounter(DEFAULT_TOKENIZER_DIR, workspaceRoot);
    const owner = OwnerId.user(1);
    const text = Array.from({ length: 200 }, (_, i) => `Sentence ${i} is about electroencephalography.`).join(' ');
    const { children } = chunkDocument(
      { format: 'text', blocks: [{ kind: 'paragraph', text }] },
      { tokenCounter: counter, fileId: FileId.of(owner, 'ab'), ownerId: owner, fileName: 'x.txt' },
    );
    expect(children.length).toBeGreaterThan(3);
    expect(children.every((c) => counter.count(c.text) <= 384)).toBe(true);
  });
});
