/**
 * Runs one question through the AnswerQuestion use case and streams it to the chat:
 * - private chats: `sendMessageDraft` previews (Bot API 9.3 drafts, grammY `ctx.replyWithDraft`),
 *   then the final message(s);
 * - groups: one message edited at most every STREAM_EDIT_INTERVAL_MS (>= 1.2 s, longer for long
 *   texts), then finalised in place, with further parts sent after it.
 * Flood waits (429 retry_after) are absorbed by the auto-retry transformer; previews that still
 * fail are skipped, the final message is not.
 */
import { RagError, extractCitations, isRagError, type Answer, type Source } from '@docrag/domain';
import { InlineKeyboard } from 'grammy';
import type { BotContext, SourceDetail } from '../context';
import type { BotDeps } from '../deps';
import { labelSources, pagesOf, type SourceLabel } from '../render/citations';
import { formatAnswerParts, formatPreview } from '../render/answer-format';
import { editFormatted, sendFormatted, type FormattedText } from '../streaming/telegram-send';
import { adaptiveEditInterval, createThrottledUpdater, type ThrottledUpdater } from '../streaming/throttle';

/** Rough token estimate when the generator reports no usage (≈ 4 characters per token for English). */
const CHARS_PER_TOKEN = 4;
const EXCERPT_CHARS = 300;
const TYPING_RENEW_MS = 4500;

export const SOURCES_CALLBACK = 'sources';

export function sourcesKeyboard(): InlineKeyboard {
  return new InlineKeyboard().text('📚 Sources', SOURCES_CALLBACK);
}

interface Preview {
  update(text: FormattedText): void;
  /** Stops previews; returns the message to finalise in place (groups), if any. */
  close(): Promise<number | undefined>;
}

function draftPreview(ctx: BotContext, deps: BotDeps): Preview {
  let disabled = false;
  const chatId = ctx.chat?.id ?? 0;
  // Drafts with the same non-zero id animate into each other; the update id is unique per question.
  const draftId = ctx.update.update_id || 1;
  const updater: ThrottledUpdater<FormattedText> = createThrottledUpdater<FormattedText>({
    intervalMs: () => deps.settings.draftIntervalMs,
    same: (a, b) => a.html === b.html,
    send: async (text) => {
      if (disabled) return;
      await ctx.api.sendMessageDraft(chatId, draftId, text.html, { parse_mode: 'HTML', can_stop: true });
    },
    onError: (error) => {
      // Older Bot API servers lack sendMessageDraft; the final message still arrives.
      disabled = true;
      deps.logger.debug({ err: String(error) }, 'draft preview failed; continuing without previews');
    },
  });
  return {
    update: (text) => updater.push(text),
    close: async () => {
      await updater.close();
      return undefined;
    },
  };
}

function editPreview(ctx: BotContext, deps: BotDeps, chatId: number): Preview {
  let messageId: number | undefined;
  let creating: Promise<void> | undefined;
  const interval = adaptiveEditInterval(deps.settings.streamEditIntervalMs);
  const updater = createThrottledUpdater<FormattedText>({
    intervalMs: (text) => interval(text.plain),
    same: (a, b) => a.html === b.html,
    send: async (text) => {
      if (messageId === undefined) {
        creating ??= sendFormatted(ctx.api, chatId, text, replyTo(ctx)).then((m) => {
          messageId = m.message_id;
        });
        await creating;
        return;
      }
      await editFormatted(ctx.api, chatId, messageId, text);
    },
    onError: (error) => deps.logger.debug({ err: String(error) }, 'streamed edit failed; the final edit will catch up'),
  });
  return {
    update: (text) => updater.push(text),
    close: async () => {
      await updater.close();
      await creating?.catch(() => undefined);
      return messageId;
    },
  };
}

function replyTo(ctx: BotContext): { reply_parameters?: { message_id: number; allow_sending_without_reply: boolean } } {
  const id = ctx.msg?.message_id;
  return id === undefined || ctx.chat?.type === 'private' ? {} : { reply_parameters: { message_id: id, allow_sending_without_reply: true } };
}

export function sourceDetails(sources: readonly Source[], answerText: string): SourceDetail[] {
  const cited = new Set(extractCitations(answerText, sources).map((c) => c.n));
  return sources.map((s) => {
    const pages = pagesOf(s.parent.pageStart, s.parent.pageEnd);
    const heading = s.parent.headingPath.at(-1);
    const passage = s.matched[0]?.chunk.text ?? s.parent.text;
    return {
      n: s.n,
      fileName: s.parent.fileName,
      ...(pages ? { pages } : {}),
      ...(heading ? { heading } : {}),
      score: Number(s.score.toFixed(4)),
      excerpt: passage.length > EXCERPT_CHARS ? `${passage.slice(0, EXCERPT_CHARS)}…` : passage,
      cited: cited.has(s.n),
    };
  });
}

/** Delivers final parts: the first replaces the streamed message in groups; the last carries the button. */
export async function deliverParts(
  ctx: BotContext,
  chatId: number,
  parts: readonly FormattedText[],
  options: { editMessageId?: number; withSourcesButton: boolean },
): Promise<number | undefined> {
  let lastId: number | undefined;
  for (const [i, part] of parts.entries()) {
    const last = i === parts.length - 1;
    const markup = last && options.withSourcesButton ? { reply_markup: sourcesKeyboard() } : {};
    if (i === 0 && options.editMessageId !== undefined) {
      await editFormatted(ctx.api, chatId, options.editMessageId, part, markup);
      lastId = options.editMessageId;
    } else {
      const sent = await sendFormatted(ctx.api, chatId, part, { ...markup, ...(i === 0 ? replyTo(ctx) : {}) });
      lastId = sent.message_id;
    }
  }
  return lastId;
}

/** Answers `question` in the current chat. Throws RagError for the error boundary to word. */
export async function answerInChat(ctx: BotContext, deps: BotDeps, question: string): Promise<void> {
  const chat = ctx.chat;
  if (!chat) return;
  const { userId, ownerId, chatKey } = ctx.docrag;
  await deps.usage.assertWithinBudget(userId);
  const controller = await deps.inFlight.begin(userId, 'answer');
  if (!controller) {
    await ctx.reply('I am still working on your previous request. Send /cancel to stop it first.');
    return;
  }
  const started = performance.now();
  const preview = chat.type === 'private' ? draftPreview(ctx, deps) : editPreview(ctx, deps, chat.id);
  let labels: ReadonlyMap<number, SourceLabel> = new Map();
  let sources: readonly Source[] = [];
  let text = '';
  let answer: Answer | undefined;
  let stopped = false;
  // "typing…" lasts 5 s on clients (Bot API sendChatAction); renew it until the first words stream.
  const typing = () => void ctx.replyWithChatAction('typing').catch(() => undefined);
  typing();
  let typingTimer: ReturnType<typeof setInterval> | undefined = setInterval(typing, TYPING_RENEW_MS);
  const stopTyping = () => {
    clearInterval(typingTimer);
    typingTimer = undefined;
  };
  try {
    const language = ctx.session.language ?? ctx.from?.language_code;
    const events = deps.answerQuestion({
      ownerId,
      chatKey,
      question,
      signal: controller.signal,
      ...(language ? { language } : {}),
    });
    for await (const event of events) {
      if (event.type === 'retrieved') {
        sources = event.sources;
        labels = labelSources(event.sources);
      } else if (event.type === 'delta') {
        if (typingTimer) stopTyping();
        text += event.text;
        preview.update(formatPreview(text, labels));
      } else {
        answer = event.answer;
      }
    }
  } catch (error) {
    stopTyping();
    if (!controller.signal.aborted && !(isRagError(error) && error.code === 'cancelled')) {
      deps.metrics?.questionFinished('error');
      await preview.close();
      await deps.inFlight.end(userId, controller);
      throw error;
    }
    stopped = true;
  }
  stopTyping();
  try {
    const editMessageId = await preview.close();
    const finalText = answer?.text ?? text;
    const mode = answer?.mode ?? 'generated';
    // Extractive answers carry their own label from the generator (@docrag/llm EXTRACTIVE_LABEL).
    const suffix = stopped ? '⏹ Stopped.' : '';
    if (stopped && !finalText.trim()) {
      deps.metrics?.questionFinished('cancelled');
      if (editMessageId !== undefined) await editFormatted(ctx.api, chat.id, editMessageId, { html: '⏹ Stopped.', plain: '⏹ Stopped.' });
      else await ctx.reply('⏹ Stopped.');
      return;
    }
    const parts = formatAnswerParts(finalText, answer?.sources ?? sources, suffix ? { suffix } : {});
    const sending = performance.now();
    const details = sourceDetails(answer?.sources ?? sources, finalText);
    const messageId = await deliverParts(ctx, chat.id, parts, {
      ...(editMessageId !== undefined ? { editMessageId } : {}),
      withSourcesButton: details.length > 0,
    });
    const done = performance.now();
    deps.metrics?.observeStage('telegram', (done - sending) / 1000);
    deps.metrics?.observeStage('total', (done - started) / 1000);
    deps.metrics?.questionFinished(stopped ? 'cancelled' : mode);
    ctx.session.lastAnswer = {
      ...(messageId !== undefined ? { messageId } : {}),
      question,
      retrievalQuery: answer?.retrievalQuery ?? question,
      at: deps.clock.now(),
      mode,
      sources: details,
    };
    const usage = answer?.usage;
    const tokens = usage ? usage.inputTokens + usage.outputTokens : mode === 'generated' ? Math.ceil((question.length + finalText.length) / CHARS_PER_TOKEN) : 0;
    await Promise.all([deps.usage.record(userId, 'tokens', tokens), deps.usage.record(userId, 'questions', 1)]);
  } finally {
    await deps.inFlight.end(userId, controller);
  }
}

/** Thrown for empty questions so the boundary words it; kept here to share with /ask. */
export function emptyQuestion(): RagError {
  return new RagError({ code: 'invalid_input', reason: 'ask a question after /ask, e.g. /ask What does the contract say about termination?' });
}
