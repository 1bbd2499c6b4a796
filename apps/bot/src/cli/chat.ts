/**
 * `npm run chat`: a terminal REPL over the bot's use cases, on the same embedded store
 * (DATA_DIR/docrag.sqlite) and the same adapters the bot would use (ML_API_URL, OPENAI_*, ...).
 * No Telegram: the token and the allowlist are not needed. CHAT_USER_ID=<telegram id> works on
 * that user's documents (useful to debug what the bot sees); the default owner is `user:local`.
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { ChatTurn } from '@docrag/domain';
import { OwnerId, systemClock } from '@docrag/domain';
import { ConfigError, loadConfig } from '../config';
import type { BotLogger } from '../deps';
import { createRetrieval, openEmbeddedStore } from '../node/retrieval';
import { createSessionChatHistory } from '../services/session-history';
import { createSqliteBotStorage } from '../storage/sqlite-bot-storage';
import { createChatRepl, HELP } from './chat-repl';

/** Warnings and errors go to stderr, so a piped stdout carries only the conversation. */
const stderrLogger: BotLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (obj, msg) => process.stderr.write(`warn: ${msg ?? ''} ${JSON.stringify(obj)}\n`),
  error: (obj, msg) => process.stderr.write(`error: ${msg ?? ''} ${JSON.stringify(obj)}\n`),
};

async function main(): Promise<void> {
  let config;
  try {
    // The bot's schema, so every retrieval variable means the same here; Telegram ones are moot.
    config = loadConfig({ TELEGRAM_TOKEN: '0:local-chat', ALLOW_ALL_USERS: 'true', ...process.env, BOT_MODE: 'polling' });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`docrag chat: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const userId = process.env['CHAT_USER_ID']?.trim();
  if (userId && !/^-?\d+$/.test(userId)) {
    process.stderr.write(`docrag chat: CHAT_USER_ID must be a Telegram user id (digits), got ${JSON.stringify(userId)}\n`);
    process.exit(2);
  }
  const ownerId = OwnerId.user(userId || 'local');
  const clock = systemClock;
  const embedded = openEmbeddedStore(config, clock);
  const history = createSessionChatHistory(createSqliteBotStorage(embedded.db, clock).sessions<ChatTurn[]>('history:'));
  const retrieval = await createRetrieval(config, { clock, logger: stderrLogger, history, sqlite: embedded });
  await retrieval.recoverIncomplete();

  const interactive = process.stdin.isTTY === true;
  const repl = createChatRepl({
    ownerId,
    chatKey: `cli:${ownerId}`,
    answerQuestion: retrieval.answerQuestion,
    ingestDocument: retrieval.ingestDocument,
    store: retrieval.store,
    registry: retrieval.registry,
    history,
    readFile: async (path) => new Uint8Array(await readFile(path)),
    write: (text) => process.stdout.write(text),
    rerankConfigured: Boolean(config.ML_API_URL),
    ...(process.env['CHAT_LANGUAGE'] ? { language: process.env['CHAT_LANGUAGE'] } : {}),
  });

  if (interactive) {
    const llm = retrieval.generator.info.kind === 'llm' ? retrieval.generator.info.model : 'none (extractive answers)';
    process.stdout.write(`docrag chat — store ${config.DATA_DIR}/docrag.sqlite, owner ${ownerId}, LLM ${llm}, ml-api ${config.ML_API_URL ?? 'none (BM25 in-process)'}\n${HELP}\n`);
  }

  const rl = createInterface({ input: process.stdin, ...(interactive ? { output: process.stdout, prompt: '> ' } : {}), terminal: interactive });
  // Ctrl-C stops the running answer; a second Ctrl-C (or one at the prompt) leaves.
  let running: AbortController | undefined;
  rl.on('SIGINT', () => {
    if (running) running.abort(new Error('interrupted'));
    else rl.close();
  });
  if (interactive) rl.prompt();
  for await (const line of rl) {
    running = new AbortController();
    const outcome = await repl.handle(line, running.signal);
    running = undefined;
    if (outcome === 'quit') break;
    if (interactive) rl.prompt();
  }
  rl.close();
  await retrieval.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`docrag chat: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
