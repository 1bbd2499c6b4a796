import type { TokenCounter } from '@docrag/domain';
import { Tokenizer } from '@huggingface/tokenizers';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace root (this file is libs/testing/src/shared-tokenizer.ts). */
export const workspaceRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The shared data folder: `../shared` beside the workspace, where CI puts the models and the
 * (CC BY-NC, never committed) evaluation data. `DOCRAG_SHARED_DIR` overrides it.
 */
export function sharedDir(): string {
  return process.env['DOCRAG_SHARED_DIR'] ?? path.resolve(workspaceRoot, '../shared');
}

export interface TestTokenizer extends TokenCounter {
  /** Token ids without special tokens. */
  encode(text: string): number[];
}

const cache = new Map<string, TestTokenizer>();

/**
 * Loads a tokenizer from ../shared/models/<name> (default the MiniLM WordPiece tokenizer the
 * chunker is tuned for) as a `TokenCounter`. Throws with the path it looked at when missing.
 */
export function loadSharedTokenizer(name = 'all-MiniLM-L6-v2-tokenizer'): TestTokenizer {
  const cached = cache.get(name);
  if (cached) return cached;
  const dir = path.join(sharedDir(), 'models', name);
  const file = path.join(dir, 'tokenizer.json');
  if (!existsSync(file)) throw new Error(`tokenizer not found at ${file}: put the shared folder beside the workspace (../shared)`);
  const configFile = path.join(dir, 'tokenizer_config.json');
  const config = existsSync(configFile) ? JSON.parse(readFileSync(configFile, 'utf8')) : {};
  const tokenizer = new Tokenizer(JSON.parse(readFileSync(file, 'utf8')), config);
  const result: TestTokenizer = {
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
    count: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids.length,
  };
  cache.set(name, result);
  return result;
}
