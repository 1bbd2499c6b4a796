/**
 * An in-memory Bot API for unit tests and the benchmark: an API transformer that records every
 * outgoing call and answers it without a network, with hooks to script failures (429, 400).
 */
import type { Transformer } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';

export interface RecordedCall {
  readonly method: string;
  readonly payload: Record<string, unknown>;
  readonly at: number;
}

type Reply = { ok: true; result: unknown } | { ok: false; error_code: number; description: string; parameters?: { retry_after?: number } };
export type Script = (method: string, payload: Record<string, unknown>) => Reply | undefined;

export const BOT_INFO: UserFromGetMe = {
  id: 999,
  is_bot: true,
  first_name: 'docrag',
  username: 'docrag_bot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
} as UserFromGetMe;

export function createFakeTelegram(options: { now?: () => number } = {}) {
  const now = options.now ?? (() => performance.now());
  const calls: RecordedCall[] = [];
  const scripts: Script[] = [];
  let messageId = 1000;
  const transformer: Transformer = async (_prev, method, payload) => {
    const p = (payload ?? {}) as Record<string, unknown>;
    calls.push({ method, payload: p, at: now() });
    for (const script of scripts) {
      const reply = script(method, p);
      if (reply) return reply as never;
    }
    switch (method) {
      case 'sendMessage':
        return { ok: true, result: { message_id: ++messageId, date: 0, chat: { id: p['chat_id'], type: 'private' }, text: p['text'] } } as never;
      case 'getFile':
        return { ok: true, result: { file_id: p['file_id'], file_unique_id: 'u', file_path: `documents/${String(p['file_id'])}` } } as never;
      default:
        return { ok: true, result: true } as never;
    }
  };
  return {
    transformer,
    calls,
    /** Adds a script consulted before the default answers; return undefined to pass. */
    script(fn: Script) {
      scripts.push(fn);
    },
    of(method: string) {
      return calls.filter((c) => c.method === method);
    },
    texts(method = 'sendMessage') {
      return calls.filter((c) => c.method === method).map((c) => String(c.payload['text']));
    },
    clear() {
      calls.length = 0;
    },
  };
}

let nextUpdateId = 1;
let nextMessageId = 1;

export interface UserLike {
  id: number;
  language_code?: string;
}

export function textUpdate(text: string, opts: { user?: UserLike; chat?: { id: number; type: 'private' | 'group' | 'supergroup' }; replyToBot?: boolean } = {}): Update {
  const user = opts.user ?? { id: 42 };
  const chat = opts.chat ?? { id: user.id, type: 'private' as const };
  const entities: Array<{ type: string; offset: number; length: number }> = [];
  const command = /^\/\w+(@\w+)?/.exec(text);
  if (command) entities.push({ type: 'bot_command', offset: 0, length: command[0].length });
  for (const m of text.matchAll(/@\w+/g)) if (m.index !== 0 || !command) entities.push({ type: 'mention', offset: m.index ?? 0, length: m[0].length });
  return {
    update_id: nextUpdateId++,
    message: {
      message_id: nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: chat.type === 'private' ? { id: chat.id, type: 'private', first_name: 'U' } : { id: chat.id, type: chat.type, title: 'G' },
      from: { id: user.id, is_bot: false, first_name: 'U', ...(user.language_code ? { language_code: user.language_code } : {}) },
      text,
      ...(entities.length ? { entities } : {}),
      ...(opts.replyToBot
        ? { reply_to_message: { message_id: 1, date: 0, chat: { id: chat.id, type: chat.type }, from: { id: BOT_INFO.id, is_bot: true, first_name: 'docrag' }, text: 'x' } }
        : {}),
    },
  } as Update;
}

export function documentUpdate(doc: { name: string; size: number; mime?: string; fileId?: string }, opts: { user?: UserLike } = {}): Update {
  const user = opts.user ?? { id: 42 };
  return {
    update_id: nextUpdateId++,
    message: {
      message_id: nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: { id: user.id, type: 'private', first_name: 'U' },
      from: { id: user.id, is_bot: false, first_name: 'U' },
      document: { file_id: doc.fileId ?? `f-${doc.name}`, file_unique_id: `u-${doc.name}`, file_name: doc.name, file_size: doc.size, ...(doc.mime ? { mime_type: doc.mime } : {}) },
    },
  } as Update;
}

export function callbackUpdate(data: string, opts: { user?: UserLike; messageId?: number } = {}): Update {
  const user = opts.user ?? { id: 42 };
  return {
    update_id: nextUpdateId++,
    callback_query: {
      id: `cb${nextUpdateId}`,
      from: { id: user.id, is_bot: false, first_name: 'U' },
      chat_instance: 'ci',
      data,
      message: { message_id: opts.messageId ?? 1, date: 0, chat: { id: user.id, type: 'private', first_name: 'U' }, text: 'x' },
    },
  } as Update;
}
