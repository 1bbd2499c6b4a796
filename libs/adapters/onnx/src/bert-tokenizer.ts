/**
 * WordPiece tokenisation through @huggingface/tokenizers (the only file importing it), with the
 * truncation the library leaves to its caller. Inputs are laid out the BERT way:
 * `[CLS] a [SEP]` for a text and `[CLS] a [SEP] b [SEP]` for a pair, token type 0 for `a` and 1
 * for `b`, which is what both shared MiniLM models were trained with.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Encoded } from './tensors';

export interface BertTokenizer {
  /** Longest input in word pieces, special tokens included. */
  readonly maxLength: number;
  encode(text: string): Encoded;
  /** Longest-first truncation, as Hugging Face's `truncation=True` does for pairs. */
  encodePair(first: string, second: string): Encoded;
}

/**
 * Loads `tokenizer.json` (+ `tokenizer_config.json` when present) from a model folder.
 * @param maxLength cap in word pieces (e.g. 256 for all-MiniLM-L6-v2, whose config allows 512).
 */
export function loadBertTokenizer(dir: string, maxLength: number): BertTokenizer {
  const tokenizerPath = path.join(dir, 'tokenizer.json');
  if (!existsSync(tokenizerPath)) throw new Error(`no tokenizer.json in ${dir}`);
  const json = JSON.parse(readFileSync(tokenizerPath, 'utf8')) as Record<string, unknown>;
  const configPath = path.join(dir, 'tokenizer_config.json');
  const config = existsSync(configPath) ? (JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>) : {};
  const tokenizer = new Tokenizer(json, config);
  const cls = specialId(tokenizer, config['cls_token'], '[CLS]');
  const sep = specialId(tokenizer, config['sep_token'], '[SEP]');
  const modelMax = typeof config['model_max_length'] === 'number' ? config['model_max_length'] : Number.POSITIVE_INFINITY;
  const limit = Math.min(maxLength, modelMax);
  if (!(limit >= 4)) throw new Error(`tokenizer max length must be at least 4 (got ${maxLength})`);

  const pieces = (text: string): number[] => tokenizer.encode(text, { add_special_tokens: false }).ids;

  return {
    maxLength: limit,
    encode(text) {
      const body = pieces(text).slice(0, limit - 2);
      const ids = [cls, ...body, sep];
      return { ids, typeIds: ids.map(() => 0) };
    },
    encodePair(first, second) {
      const [a, b] = truncateLongestFirst(pieces(first), pieces(second), limit - 3);
      const ids = [cls, ...a, sep, ...b, sep];
      const typeIds = [...Array<number>(a.length + 2).fill(0), ...Array<number>(b.length + 1).fill(1)];
      return { ids, typeIds };
    },
  };
}

function specialId(tokenizer: Tokenizer, configured: unknown, fallback: string): number {
  const token = typeof configured === 'string' ? configured : fallback;
  const id = tokenizer.token_to_id(token);
  if (id === undefined) throw new Error(`tokenizer has no ${token} token; only BERT-style tokenizers are supported`);
  return id;
}

/**
 * Removes tokens from the longer sequence until both fit, one at a time (the Hugging Face
 * `longest_first` strategy), so a short query keeps all its tokens against a long passage.
 */
export function truncateLongestFirst(a: readonly number[], b: readonly number[], budget: number): [number[], number[]] {
  let la = a.length;
  let lb = b.length;
  while (la + lb > budget) {
    if (la > lb) la -= 1;
    else lb -= 1;
  }
  return [a.slice(0, la), b.slice(0, lb)];
}
