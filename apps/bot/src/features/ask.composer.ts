/**
 * Questions: /ask anywhere, plain text in private chats, and plain group messages as GROUP_POLICY
 * says (mention | reply | keyword | open). /cancel (or the draft's stop button) stops the running answer.
 */
import type { BotContext } from '../context';
import type { BotDeps } from '../deps';
import { groupQuestion, stripMention } from '../services/access';
import { answerInChat, emptyQuestion } from './answering';
import { featureComposer } from './boundary';

/** /cancel's answer for each outcome of `requestCancel`. */
const CANCEL_REPLIES = {
  here: 'Stopping…',
  elsewhere: 'Stopping…',
  // The server that was answering went away mid-answer: nothing is left to stop, but say so.
  released: 'That answer had already stopped: the server writing it went away. You can ask again.',
  nothing: 'Nothing is running.',
} as const;

export function askComposer(deps: BotDeps) {
  return featureComposer('ask', deps, (c) => {
    c.command('ask', async (ctx) => {
      const username = ctx.me.username;
      const question = stripMention(ctx.match, username);
      if (!question) throw emptyQuestion();
      await answerInChat(ctx, deps, question);
    });

    c.command('cancel', async (ctx) => {
      // With Redis the answer may be running in another replica; it is asked to stop the same way.
      const stopped = await deps.inFlight.requestCancel(ctx.docrag.userId);
      await ctx.reply(CANCEL_REPLIES[stopped ?? 'nothing']);
    });

    // The stop button under a streamed draft (sendMessageDraft can_stop) works like /cancel.
    c.on('stopped_message_generation', async (ctx) => {
      await deps.inFlight.requestCancel(ctx.docrag.userId);
    });

    c.chatType('private').on('message:text', async (ctx, next) => {
      const text = ctx.message.text.trim();
      if (text.startsWith('/')) return next();
      await answerInChat(ctx as unknown as BotContext, deps, text);
    });

    c.chatType(['group', 'supergroup']).on('message:text', async (ctx, next) => {
      const message = ctx.message;
      if (message.text.startsWith('/')) return next();
      const mentions = (message.entities ?? [])
        .filter((e) => e.type === 'mention')
        .map((e) => message.text.slice(e.offset, e.offset + e.length));
      const question = groupQuestion(
        deps.settings.groupPolicy,
        { text: message.text, mentions, repliesToBot: message.reply_to_message?.from?.id === ctx.me.id },
        { username: ctx.me.username, keywords: deps.settings.groupKeywords },
      );
      if (!question) return next();
      await answerInChat(ctx as unknown as BotContext, deps, question);
    });
  });
}
