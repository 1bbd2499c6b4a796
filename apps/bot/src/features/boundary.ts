/**
 * Error boundary shared by every feature composer: the user gets one specific sentence (see
 * friendly-errors.ts), the log gets the error with its cause, nothing escapes to grammY as an
 * unhandled rejection. `bot.catch` in bot.ts covers anything outside the features.
 */
import { isRagError } from '@docrag/domain';
import { Composer, type BotError } from 'grammy';
import type { BotContext } from '../context';
import type { BotDeps } from '../deps';
import { friendlyError } from '../services/friendly-errors';

export async function replyWithError(err: BotError<BotContext>, deps: BotDeps, feature: string): Promise<void> {
  const error = err.error;
  const code = (error as { code?: unknown }).code;
  deps.metrics?.error(isRagError(error) ? error.code : 'internal');
  deps.logger.warn(
    { feature, update_id: err.ctx.update.update_id, code: typeof code === 'string' ? code : undefined, err: error instanceof Error ? { message: error.message, name: error.name } : String(error) },
    'feature failed',
  );
  try {
    if (err.ctx.chat) await err.ctx.api.sendMessage(err.ctx.chat.id, friendlyError(error));
  } catch (sendError) {
    deps.logger.error({ feature, err: String(sendError) }, 'could not tell the user about an error');
  }
}

/** A feature's composer with its own error boundary. */
export function featureComposer(feature: string, deps: BotDeps, build: (c: Composer<BotContext>) => void): Composer<BotContext> {
  const outer = new Composer<BotContext>();
  const inner = outer.errorBoundary((err) => replyWithError(err, deps, feature));
  build(inner);
  return outer;
}
