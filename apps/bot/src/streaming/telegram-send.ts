/**
 * Sending and editing formatted text with a plain-text fallback. Telegram answers 400
 * "can't parse entities" when HTML is malformed for it; the words must still arrive, so we resend
 * the same part without parse_mode.
 */
import type { Api } from 'grammy';
import { GrammyError } from 'grammy';
import type { InlineKeyboardMarkup, Message } from 'grammy/types';

export function isEntityError(error: unknown): boolean {
  return error instanceof GrammyError && error.error_code === 400 && /can't parse entities|unsupported start tag|can't find end tag|entity/i.test(error.description);
}

export function isNotModified(error: unknown): boolean {
  return error instanceof GrammyError && /message is not modified/i.test(error.description);
}

export interface FormattedText {
  readonly html: string;
  readonly plain: string;
}

const NO_PREVIEW = { link_preview_options: { is_disabled: true } } as const;

export async function sendFormatted(
  api: Api,
  chatId: number,
  text: FormattedText,
  extra: { reply_markup?: InlineKeyboardMarkup; reply_parameters?: { message_id: number; allow_sending_without_reply?: boolean }; message_thread_id?: number } = {},
): Promise<Message.TextMessage> {
  try {
    return await api.sendMessage(chatId, text.html, { parse_mode: 'HTML', ...NO_PREVIEW, ...extra });
  } catch (error) {
    if (!isEntityError(error)) throw error;
    return await api.sendMessage(chatId, text.plain, { ...NO_PREVIEW, ...extra });
  }
}

export async function editFormatted(
  api: Api,
  chatId: number,
  messageId: number,
  text: FormattedText,
  extra: { reply_markup?: InlineKeyboardMarkup } = {},
): Promise<void> {
  try {
    await api.editMessageText(chatId, messageId, text.html, { parse_mode: 'HTML', ...NO_PREVIEW, ...extra });
  } catch (error) {
    if (isNotModified(error)) return;
    if (!isEntityError(error)) throw error;
    try {
      await api.editMessageText(chatId, messageId, text.plain, { ...NO_PREVIEW, ...extra });
    } catch (inner) {
      if (!isNotModified(inner)) throw inner;
    }
  }
}
