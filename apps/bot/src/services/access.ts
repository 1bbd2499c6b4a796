/**
 * Who may talk to the bot, whose documents a chat sees, and when a group message is meant for the
 * bot. Pure functions over plain values so they are tested without Telegram.
 */
import { OwnerId } from '@docrag/domain';

export interface AccessPolicy {
  readonly allowAll: boolean;
  readonly allowedUserIds: ReadonlySet<number>;
  readonly allowedChatIds: ReadonlySet<number>;
  readonly adminUserIds: ReadonlySet<number>;
}

export function createAccessPolicy(options: {
  allowAll: boolean;
  allowedUserIds: readonly number[];
  allowedChatIds: readonly number[];
  adminUserIds: readonly number[];
}): AccessPolicy {
  return {
    allowAll: options.allowAll,
    allowedUserIds: new Set(options.allowedUserIds),
    allowedChatIds: new Set(options.allowedChatIds),
    adminUserIds: new Set(options.adminUserIds),
  };
}

/** Admins and listed users anywhere; anyone inside a listed chat; everyone with ALLOW_ALL_USERS. */
export function isAllowed(policy: AccessPolicy, userId: number | undefined, chatId: number | undefined): boolean {
  if (policy.allowAll) return true;
  if (userId !== undefined && (policy.allowedUserIds.has(userId) || policy.adminUserIds.has(userId))) return true;
  return chatId !== undefined && policy.allowedChatIds.has(chatId);
}

export function isAdmin(policy: AccessPolicy, userId: number | undefined): boolean {
  return userId !== undefined && policy.adminUserIds.has(userId);
}

export type ChatKind = 'private' | 'group' | 'supergroup' | 'channel';

/**
 * Documents belong to the user in a private chat and to the group in a group: a group's files are
 * shared by its members and never visible in anyone's private chat, and vice versa.
 */
export function ownerOf(chat: { id: number; type: ChatKind }, userId: number | undefined): OwnerId {
  return chat.type === 'private' ? OwnerId.user(userId ?? chat.id) : OwnerId.chat(chat.id);
}

/** History key: the chat in private; chat + user in groups, so members' follow-ups don't mix. */
export function chatKeyOf(chat: { id: number; type: ChatKind }, userId: number | undefined): string {
  return chat.type === 'private' ? `${chat.id}` : `${chat.id}:${userId ?? 0}`;
}

export type GroupPolicy = 'mention' | 'reply' | 'keyword' | 'open';

export interface GroupMessage {
  readonly text: string;
  /** `mention` entities' text, e.g. `@docrag_bot`. */
  readonly mentions: readonly string[];
  /** True when the message replies to one of the bot's messages. */
  readonly repliesToBot: boolean;
}

/**
 * Decides whether a plain group message is a question for the bot, and returns the question with
 * the `@botname` stripped (or undefined to stay silent). `mention` also accepts replies to the
 * bot, since answering a follow-up in a thread is what people expect.
 */
export function groupQuestion(
  policy: GroupPolicy,
  message: GroupMessage,
  bot: { username: string; keywords: readonly string[] },
): string | undefined {
  const handle = `@${bot.username}`.toLowerCase();
  const mentioned = message.mentions.some((m) => m.toLowerCase() === handle);
  const stripped = stripMention(message.text, bot.username);
  switch (policy) {
    case 'open':
      return stripped || undefined;
    case 'mention':
      return mentioned || message.repliesToBot ? stripped || undefined : undefined;
    case 'reply':
      return message.repliesToBot || mentioned ? stripped || undefined : undefined;
    case 'keyword': {
      if (mentioned || message.repliesToBot) return stripped || undefined;
      const lower = stripped.toLowerCase();
      const hit = bot.keywords.find((k) => new RegExp(`(^|[^\\p{L}\\p{N}_])${escapeRegExp(k.toLowerCase())}($|[^\\p{L}\\p{N}_])`, 'u').test(lower));
      return hit ? stripped || undefined : undefined;
    }
  }
}

/** Removes `@botname` (any case) and tidies the whitespace it leaves, e.g. "@bot, what is X?" -> "what is X?". */
export function stripMention(text: string, username: string): string {
  return text
    .replace(new RegExp(`@${escapeRegExp(username)}\\b[,:]?`, 'giu'), ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
