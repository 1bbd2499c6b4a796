/**
 * Scale-out: two bot processes (the production entry, apps/bot/src/main.ts, in webhook mode) share
 * one Redis started by the test. A rate limit and a daily token budget reached through one process
 * hold in the other, the conversation history written by one is read by the other, and a user's
 * answer streaming in one keeps the other from starting a second one, and /cancel sent to the
 * other stops it.
 * Skips with a message when redis-server is not installed.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpTelegram } from '../../test/support/http-telegram';
import type { ApiCall, HttpTelegram } from '../../test/support/http-telegram';
import { redisUnavailableReason, startRedisServer } from '../../test/support/redis-server';
import type { RedisServer } from '../../test/support/redis-server';
import { startSseLlm } from '../../test/support/sse-llm';
import type { SseLlm } from '../../test/support/sse-llm';

const root = path.resolve(import.meta.dirname, '../../../..');
const TOKEN = '424242:SCALE-out_token';
const SECRET = 'scale-out-secret';
const skip = redisUnavailableReason();

interface BotProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly webhook: string;
  output: string;
}

let redis: RedisServer;
let telegram: HttpTelegram;
let llm: SseLlm;
let dataDir: string;
const bots: BotProcess[] = [];
let updateId = 5000;

async function startBot(name: string): Promise<BotProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/bot/src/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/tmp',
      TSX_TSCONFIG_PATH: path.join(root, 'tsconfig.base.json'),
      TELEGRAM_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      BOT_MODE: 'webhook',
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_REGISTER: 'false',
      WEBHOOK_HOST: '127.0.0.1',
      WEBHOOK_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: '0',
      ALLOWED_USER_IDS: '42,43,44,45',
      REDIS_URL: redis.url,
      // A generous /cancel wait: on a loaded machine the answering process may take more than 3 s to stop.
      ANSWER_CANCEL_WAIT_MS: '15000',
      DATA_DIR: path.join(dataDir, name),
      OPENAI_API_KEY: 'sk-scale',
      OPENAI_BASE_URL: llm.url,
      USER_DAILY_TOKENS: '100',
      RATE_LIMIT_MESSAGES: '5',
      RATE_LIMIT_WINDOW_MS: '60000',
      DRAFT_INTERVAL_MS: '50',
      PROGRESS_EDIT_INTERVAL_MS: '0',
      OTEL_SDK_DISABLED: 'true',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const bot = { name, child, webhook: '', output: '' };
  child.stdout?.on('data', (d) => (bot.output += String(d)));
  child.stderr?.on('data', (d) => (bot.output += String(d)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bot ${name} did not start within 60 s:\n${bot.output}`)), 60_000);
    const check = () => {
      const match = /"port":(\d+),"path":"\/telegram","msg":"webhook server listening"/.exec(bot.output) ?? /webhook server listening[^\n]*"port":(\d+)/.exec(bot.output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bot ${name} exited with code ${code}:\n${bot.output}`));
    });
  });
  return { ...bot, webhook: `http://127.0.0.1:${port}/telegram`, get output() { return bot.output; } };
}

function message(userId: number, fields: Record<string, unknown>) {
  const id = ++updateId;
  return {
    update_id: id,
    message: {
      message_id: id,
      date: Math.floor(Date.now() / 1000),
      chat: { id: userId, type: 'private', first_name: `U${userId}` },
      from: { id: userId, is_bot: false, first_name: `U${userId}`, language_code: 'en' },
      ...fields,
    },
  };
}

function cancelCommand(userId: number) {
  return message(userId, { text: '/cancel', entities: [{ type: 'bot_command', offset: 0, length: 7 }] });
}

async function deliver(bot: BotProcess, update: unknown): Promise<void> {
  const response = await fetch(bot.webhook, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
    body: JSON.stringify(update),
  });
  expect(response.status).toBe(200);
}

/**
 * After the final message is delivered, the answering process still records usage and then
 * releases the user's in-flight lease (a few Redis round trips); a test is faster than a person.
 */
const answerSettled = () => new Promise((r) => setTimeout(r, 300));

const textTo = (userId: number, pattern: RegExp) => (c: ApiCall) =>
  (c.method === 'sendMessage' || c.method === 'editMessageText') && c.payload['chat_id'] === userId && pattern.test(String(c.payload['text'] ?? ''));

describe.skipIf(Boolean(skip))(`Redis scale-out: two bot processes${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'docrag-scale-out-'));
    redis = await startRedisServer();
    telegram = await startHttpTelegram(TOKEN);
    llm = await startSseLlm({ usage: { prompt: 50, completion: 10 } });
    // Started one after the other: two cold tsx start-ups at once are slow on a 2-core runner.
    bots.push(await startBot('a'));
    bots.push(await startBot('b'));
  }, 150_000);

  afterAll(async () => {
    await Promise.all(
      bots.map(
        (bot) =>
          new Promise<void>((resolve) => {
            if (bot.child.exitCode !== null) return resolve();
            const timer = setTimeout(() => bot.child.kill('SIGKILL'), 10_000);
            bot.child.once('exit', () => (clearTimeout(timer), resolve()));
            bot.child.kill('SIGTERM');
          }),
      ),
    );
    await telegram?.close();
    await llm?.close();
    await redis?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('shares the incoming-message rate limit: messages through A count in B', async () => {
    const [a, b] = bots as [BotProcess, BotProcess];
    for (let i = 0; i < 5; i++) {
      await deliver(a, message(43, { text: '/help' }));
    }
    await deliver(b, message(43, { text: '/help' }));
    await telegram.waitFor(textTo(43, /sending messages too fast/));
  });

  it('reads in B the conversation history written by A', async () => {
    const [a, b] = bots as [BotProcess, BotProcess];
    const doc = '# Fusion\n\nReciprocal rank fusion adds 1/(k + rank) for every ranked list it merges.';
    telegram.files.set('documents/fusion-1', new TextEncoder().encode(doc));
    await deliver(a, message(42, { document: { file_id: 'fusion-1', file_unique_id: 'f1', file_name: 'fusion.md', mime_type: 'text/markdown', file_size: doc.length } }));
    await telegram.waitFor(textTo(42, /Indexed <b>fusion\.md<\/b>/), 30_000);

    await deliver(a, message(42, { text: 'What does reciprocal rank fusion add per list?' }));
    await telegram.waitFor((c) => c.method === 'sendMessage' && c.payload['chat_id'] === 42 && String(c.payload['text'] ?? '').includes('1/(k + rank)'), 30_000);
    await answerSettled();

    const seen = llm.requests.length;
    const callsBefore = telegram.calls.length;
    await deliver(b, message(42, { text: 'And who proposed it?' }));
    // B condenses the follow-up with the history A stored in Redis: the first question reaches the LLM.
    await expect
      .poll(() => llm.requests.slice(seen).some((r) => JSON.stringify(r.messages ?? []).includes('What does reciprocal rank fusion add per list?')), { timeout: 30_000 })
      .toBe(true);
    await telegram.waitFor((c) => c.method === 'sendMessage' && c.payload['chat_id'] === 42 && telegram.calls.indexOf(c) >= callsBefore, 30_000);
  });

  it('enforces the daily token budget spent through A in B', async () => {
    const [a, b] = bots as [BotProcess, BotProcess];
    // Each generated answer reports 60 tokens; the budget is 100, so A's second answer exhausts it.
    const callsBefore = telegram.calls.length;
    await deliver(a, message(42, { text: 'Explain reciprocal rank fusion again.' }));
    await telegram.waitFor(
      (c) => c.method === 'sendMessage' && c.payload['chat_id'] === 42 && telegram.calls.indexOf(c) >= callsBefore && String(c.payload['text'] ?? '').includes('1/(k + rank)'),
      30_000,
    );
    await answerSettled();
    await deliver(b, message(42, { text: 'One more question about fusion?' }));
    const refusal = await telegram.waitFor(textTo(42, /token budget/), 30_000);
    expect(String(refusal.payload['text'])).toMatch(/of 100\)/);
  });

  it('refuses a second answer for a user in B while A is still streaming one, and answers once A is done', async () => {
    const [a, b] = bots as [BotProcess, BotProcess];
    const doc = '# Fusion\n\nReciprocal rank fusion adds 1/(k + rank) for every ranked list it merges.';
    telegram.files.set('documents/fusion-44', new TextEncoder().encode(doc));
    // Each test process has its own embedded store (DATA_DIR): index the file in both.
    for (const bot of [a, b]) {
      const before = telegram.calls.length;
      await deliver(bot, message(44, { document: { file_id: 'fusion-44', file_unique_id: 'f44', file_name: 'fusion.md', mime_type: 'text/markdown', file_size: doc.length } }));
      await telegram.waitFor((c) => textTo(44, /Indexed <b>fusion\.md<\/b>/)(c) && telegram.calls.indexOf(c) >= before, 30_000);
    }

    llm.setDelay(1_500);
    try {
      const seen = llm.requests.length;
      await deliver(a, message(44, { text: 'What does reciprocal rank fusion add?' }));
      await expect.poll(() => llm.requests.length, { timeout: 30_000 }).toBeGreaterThan(seen);
      await deliver(b, message(44, { text: 'And what about ties?' }));
      await telegram.waitFor(textTo(44, /I am still working on your previous request/), 30_000);
      expect(llm.requests.length).toBe(seen + 1);
      const answered = (c: ApiCall) => c.method === 'sendMessage' && c.payload['chat_id'] === 44 && String(c.payload['text'] ?? '').includes('1/(k + rank)');
      await telegram.waitFor(answered, 30_000);
    } finally {
      llm.setDelay(0);
    }
    // A released the lease after its final message: B now takes the next question.
    await answerSettled();
    const callsBefore = telegram.calls.length;
    await deliver(b, message(44, { text: 'Which lists does it merge?' }));
    await telegram.waitFor(
      (c) => c.method === 'sendMessage' && c.payload['chat_id'] === 44 && telegram.calls.indexOf(c) >= callsBefore && String(c.payload['text'] ?? '').includes('1/(k + rank)'),
      30_000,
    );
  });

  it('stops an answer streaming in A when /cancel reaches B', async () => {
    const [a, b] = bots as [BotProcess, BotProcess];
    const doc = '# Fusion\n\nReciprocal rank fusion adds 1/(k + rank) for every ranked list it merges.';
    telegram.files.set('documents/fusion-45', new TextEncoder().encode(doc));
    await deliver(a, message(45, { document: { file_id: 'fusion-45', file_unique_id: 'f45', file_name: 'fusion.md', mime_type: 'text/markdown', file_size: doc.length } }));
    await telegram.waitFor(textTo(45, /Indexed <b>fusion\.md<\/b>/), 30_000);

    // Three chunks 2 s apart: the answer is still streaming in A when B gets /cancel.
    llm.setDelay(2_000);
    try {
      const seen = llm.requests.length;
      const callsBefore = telegram.calls.length;
      await deliver(a, message(45, { text: 'What does reciprocal rank fusion add?' }));
      await expect.poll(() => llm.requests.length, { timeout: 30_000 }).toBeGreaterThan(seen);
      await deliver(b, cancelCommand(45));
      // B says what a local /cancel says (not "Nothing is running."), and A ends the answer as stopped.
      await telegram.waitFor(textTo(45, /Stopping…/), 10_000);
      await telegram.waitFor(textTo(45, /⏹ Stopped\./), 10_000);
      const later = telegram.calls.slice(callsBefore);
      expect(later.some(textTo(45, /Nothing is running/))).toBe(false);
      expect(later.some(textTo(45, /over the lists/))).toBe(false);
    } finally {
      llm.setDelay(0);
    }
    // A released the lease: B answers the next question.
    await answerSettled();
    const callsBefore = telegram.calls.length;
    await deliver(b, cancelCommand(45));
    await telegram.waitFor((c) => textTo(45, /Nothing is running/)(c) && telegram.calls.indexOf(c) >= callsBefore, 10_000);
  });
});
