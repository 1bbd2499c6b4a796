import type { TokenCounter } from '@docrag/domain';
import { Tokenizer } from '@huggingface/tokenizers';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** The tokenizer vendored in this repository (Apache-2.0), relative to the working directory. */
export const DEFAULT_TOKENIZER_DIR = 'models/all-MiniLM-L6-v2-tokenizer';

/** A loaded Hugging Face tokenizer, counting and encoding without special tokens. */
export class HuggingFaceTokenCounter implements TokenCounter {
  constructor(
    private readonly tokenizer: Tokenizer,
    /** Where it was loaded from (for logs). */
    readonly source: string,
  ) {}

  count(text: string): number {
    return text.length === 0 ? 0 : this.encode(text).length;
  }

  /** Token ids, no `[CLS]`/`[SEP]`: chunk sizes count content only. */
  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }
}

function readJson(file: string, what: string): unknown {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${what} at ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new Error(`${what} at ${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Loads `tokenizer.json` (and `tokenizer_config.json` beside it, when present) from a folder or
 * from the file itself. Relative paths resolve against `cwd` (default `process.cwd()`). Throws a
 * message naming the path when it is missing or malformed.
 *
 * @example const counter = loadTokenizer(config.TOKENIZER_PATH)
 */
export function loadTokenizer(pathOrDir: string = DEFAULT_TOKENIZER_DIR, cwd: string = process.cwd()): HuggingFaceTokenCounter {
  const resolved = path.resolve(cwd, pathOrDir);
  if (!existsSync(resolved)) throw new Error(`tokenizer not found at ${resolved} (set TOKENIZER_PATH to a folder with tokenizer.json)`);
  const file = statSync(resolved).isDirectory() ? path.join(resolved, 'tokenizer.json') : resolved;
  if (!existsSync(file)) throw new Error(`no tokenizer.json in ${resolved} (set TOKENIZER_PATH to a folder with tokenizer.json)`);
  const json = readJson(file, 'tokenizer.json');
  if (typeof json !== 'object' || json === null || !('model' in json)) throw new Error(`${file} is not a Hugging Face tokenizer.json (no "model" section)`);
  const configFile = path.join(path.dirname(file), 'tokenizer_config.json');
  const config = existsSync(configFile) ? readJson(configFile, 'tokenizer_config.json') : {};
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json as ConstructorParameters<typeof Tokenizer>[0], config as ConstructorParameters<typeof Tokenizer>[1]);
  } catch (error) {
    throw new Error(`cannot build a tokenizer from ${file}: ${(error as Error).message}`, { cause: error });
  }
  return new HuggingFaceTokenCounter(tokenizer, file);
}

/** The domain `TokenCounter` for the chunker, from a tokenizer folder or `tokenizer.json` path. */
export function createTokenizerTokenCounter(pathOrDir: string = DEFAULT_TOKENIZER_DIR, cwd?: string): TokenCounter {
  return loadTokenizer(pathOrDir, cwd);
}
