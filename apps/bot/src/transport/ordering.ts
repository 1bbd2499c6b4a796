/**
 * Which updates must wait for the chat's previous one. Everything in a chat runs in order (the
 * history and session of a chat are read-modify-write), except /cancel, which must overtake the
 * answer it stops (as must the stop button under a streamed draft, `stopped_message_generation`).
 */
import type { Context } from 'grammy';

export function isCancelCommand(ctx: Context): boolean {
  const text = ctx.message?.text;
  return text !== undefined && /^\/cancel(@\w+)?(\s|$)/i.test(text);
}

/** The sequentialize key: the chat id, or none for /cancel and the draft's stop button. */
export function sequenceKey(ctx: Context): string | undefined {
  if (isCancelCommand(ctx) || ctx.update.stopped_message_generation) return undefined;
  return ctx.chat?.id.toString() ?? ctx.from?.id.toString();
}
