import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TokenCounter } from '@docrag/domain';
import { Tokenizer } from '@huggingface/tokenizers';

/**
 * The chunker counts tokens with the tokenizer of the dense model it is sized for (MiniLM's
 * WordPiece, 384 tokens). The evaluation loads it from the shared models folder, so chunk
 * boundaries are the ones production produces.
 */
export function loadTokenCounter(tokenizerDir: string): TokenCounter {
  const file = path.join(tokenizerDir, 'tokenizer.json');
  if (!existsSync(file)) throw new Error(`tokenizer not found at ${file}; pass --tokenizer <dir> or put ../shared beside the repository`);
  const configFile = path.join(tokenizerDir, 'tokenizer_config.json');
  const config = existsSync(configFile) ? (JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>) : {};
  const tokenizer = new Tokenizer(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>, config);
  return { count: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids.length };
}
