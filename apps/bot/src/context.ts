/**
 * The bot's context type, built from flavors (https://grammy.dev/guide/context#context-flavors):
 * grammY's session flavor plus `docrag`, set once per update by the access composer.
 */
import type { OwnerId } from '@docrag/domain';
import type { Context, SessionFlavor } from 'grammy';

/** One source of the last answer, kept for /sources and the "Sources" button. */
export interface SourceDetail {
  readonly n: number;
  readonly fileName: string;
  readonly pages?: string;
  readonly heading?: string;
  readonly score: number;
  /** First characters of the passage (sessions stay small). */
  readonly excerpt: string;
  readonly cited: boolean;
}

export interface LastAnswer {
  /** Message id of the answer's last part: the "Sources" button names it. */
  readonly messageId?: number;
  readonly question: string;
  readonly retrievalQuery: string;
  readonly at: number;
  readonly mode: string;
  readonly sources: readonly SourceDetail[];
}

/** Per-chat session (per chat+user in groups); lives in the session storage adapter. */
export interface SessionData {
  /** Answer language chosen in /settings; absent = follow the user's Telegram language. */
  language?: string;
  lastAnswer?: LastAnswer;
}

export interface DocragFlavor {
  docrag: {
    readonly ownerId: OwnerId;
    readonly chatKey: string;
    readonly userId: number;
    readonly isAdmin: boolean;
  };
}

export type BotContext = Context & SessionFlavor<SessionData> & DocragFlavor;

export function initialSession(): SessionData {
  return {};
}
