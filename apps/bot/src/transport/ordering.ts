/**
 * Which updates must wait for the chat's previous one. Everything in a chat runs in order (the
 * history and session of a chat are read-modify-write), except /cancel, which must overtake the
 * answer it stops.
 */
import type { Context } from 'grammy';

export function isCancelCommand(ctx: Context): boolean {
  const text = ctx.message?.text;
  return text !== undefined && /^\/cancel(@\w+)?(\s|$)/i.test(text);
}

/** The sequentialize key: the chat id, or none for /cancel. */
export function sequenceKey(ctx: Context): string | undefined {
  if (isCancelCommand(ctx)) return undefined;
  return ctx.chat?.id.toString() ?? ctx.from?.id.toString();
}
