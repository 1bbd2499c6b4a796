/**
 * The chunker's TokenCounter: the real MiniLM WordPiece tokenizer from @docrag/tokenizer (chunk
 * sizes then match what the embedding model sees). If it cannot be loaded, ingestion still works
 * with an estimate (~1.3 tokens per word, the usual ratio for English WordPiece), and says so.
 */
import type { TokenCounter } from '@docrag/domain';
import type { BotLogger } from '../deps';

export const estimateTokenCounter: TokenCounter = {
  count: (text) => Math.ceil((text.match(/\S+/g)?.length ?? 0) * 1.3),
};

export async function createTokenCounter(logger: BotLogger, tokenizerPath?: string): Promise<TokenCounter> {
  try {
    const lib = (await import('@docrag/tokenizer')) as Record<string, unknown>;
    const factory = lib['createTokenizerTokenCounter'];
    if (typeof factory === 'function') {
      return (await (factory as (path?: string) => TokenCounter | Promise<TokenCounter>)(tokenizerPath || undefined)) as TokenCounter;
    }
    logger.warn({}, '@docrag/tokenizer has no createTokenizerTokenCounter; chunk sizes are estimated');
  } catch (error) {
    logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'tokenizer could not be loaded; chunk sizes are estimated');
  }
  return estimateTokenCounter;
}
