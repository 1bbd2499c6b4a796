import type { ChatHistory, ChatTurn } from '@docrag/domain';
import { RagError } from '@docrag/domain';
import type { SqliteDatabase } from './database';
import { guard } from './errors';

/** Recent turns per chat, kept across restarts, trimmed to the newest `maxTurns` on every append. */
export class SqliteChatHistory implements ChatHistory {
  private readonly stmt;

  constructor(private readonly db: SqliteDatabase) {
    this.stmt = {
      load: db.prepare<[string], ChatTurn>('SELECT question, answer, at FROM chat_turns WHERE chat_key = ? ORDER BY id'),
      insert: db.prepare('INSERT INTO chat_turns(chat_key, question, answer, at) VALUES (?, ?, ?, ?)'),
      trim: db.prepare(
        'DELETE FROM chat_turns WHERE chat_key = ? AND id NOT IN (SELECT id FROM chat_turns WHERE chat_key = ? ORDER BY id DESC LIMIT ?)',
      ),
      clear: db.prepare('DELETE FROM chat_turns WHERE chat_key = ?'),
    };
  }

  load(chatKey: string): Promise<ChatTurn[]> {
    return guard(undefined, () => this.stmt.load.all(chatKey).map((r) => ({ question: r.question, answer: r.answer, at: r.at })));
  }

  append(chatKey: string, turn: ChatTurn, maxTurns: number): Promise<void> {
    return guard(undefined, () => {
      if (!Number.isInteger(maxTurns) || maxTurns < 0) throw new RagError({ code: 'invalid_input', reason: `maxTurns must be an integer >= 0, got ${maxTurns}` });
      this.db.transaction(() => {
        this.stmt.insert.run(chatKey, turn.question, turn.answer, turn.at);
        this.stmt.trim.run(chatKey, chatKey, maxTurns);
      }).immediate();
    });
  }

  clear(chatKey: string): Promise<void> {
    return guard(undefined, () => {
      this.stmt.clear.run(chatKey);
    });
  }
}
