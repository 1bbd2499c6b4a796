/**
 * End to end, in-process but over real HTTP: the production runtime (node/runtime.ts: SQLite store
 * in a temp dir, in-process BM25 encoder, real parsers, the OpenAI-compatible generator) against
 * telegram-test-api behind a proxy (support/telegram-harness.ts) and an SSE chat-completions
 * server (support/openai-sse.ts). A simulated user uploads, asks, follows up, restarts the bot,
 * sends bad files; groups, long answers, flood control and the webhook transport are covered too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { silentLogger } from '../src/deps';
import { startBotRuntime, type BotRuntime } from '../src/node/runtime';
import { makeDocx, makePdf } from './support/documents';
import { LONG_ANSWER_MARKER, longAnswer, startFakeLlm, type FakeLlm } from './support/openai-sse';
import { startTelegramHarness, type ProxyCall, type TelegramHarness } from './support/telegram-harness';

const TOKEN = '123456:E2E-token';
const USER = 1001;
const STRANGER = 2002;
const GROUP = -100500;
const BOT_USERNAME = 'TestNameBot'; // what telegram-test-api's getMe answers

let tg: TelegramHarness;
let llm: FakeLlm;
let dataDir: string;
let runtime: BotRuntime | undefined;

function config(over: Record<string, string> = {}) {
  return loadConfig({
    TELEGRAM_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: tg.apiRoot,
    ALLOWED_USER_IDS: String(USER),
    ALLOWED_CHAT_IDS: String(GROUP),
    DATA_DIR: dataDir,
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    OPENAI_API_KEY: 'test-key',
    OPENAI_BASE_URL: llm.baseUrl,
    DEFAULT_MODEL: 'fake-model',
    DRAFT_INTERVAL_MS: '100',
    PROGRESS_EDIT_INTERVAL_MS: '0',
    SHUTDOWN_GRACE_MS: '3000',
    RATE_LIMIT_MESSAGES: '50',
    OTEL_SDK_DISABLED: 'true',
    ...over,
  });
}

const start = (over: Record<string, string> = {}) => startBotRuntime(config(over), { logger: silentLogger });

type Client = ReturnType<TelegramHarness['server']['getClient']>;
let user: Client;

function client(userId: number, chat: { id: number; type: 'private' | 'group' } = { id: userId, type: 'private' }): Client {
  return tg.server.getClient(TOKEN, { userId, chatId: chat.id, type: chat.type, firstName: 'Ann', userName: `user${userId}`, chatTitle: 'Team' });
}

/** A text message; commands and @mentions get their entities, as Telegram adds them. */
async function say(c: Client, text: string): Promise<number> {
  const entities: Array<{ type: string; offset: number; length: number }> = [];
  const command = /^\/\w+(@\w+)?/.exec(text);
  if (command) entities.push({ type: 'bot_command', offset: 0, length: command[0].length });
  for (const m of text.matchAll(/(?<!\S)@\w+/g)) if (!(command && m.index === 0)) entities.push({ type: 'mention', offset: m.index ?? 0, length: m[0].length });
  const mark = tg.calls.length;
  await c.sendMessage(c.makeMessage(text, entities.length ? ({ entities } as never) : {}));
  return mark;
}

async function sendDocument(c: Client, name: string, bytes: Uint8Array, claimedSize = bytes.byteLength): Promise<{ mark: number; fileId: string }> {
  const fileId = tg.addFile(bytes, name);
  const message = c.makeMessage('') as unknown as Record<string, unknown>;
  delete message['text'];
  message['document'] = { file_id: fileId, file_unique_id: `u-${fileId}`, file_name: name, file_size: claimedSize };
  const mark = tg.calls.length;
  await c.sendMessage(message as never);
  return { mark, fileId };
}

const textOf = (c: ProxyCall) => String(c.payload['text'] ?? '');
/** Calls since `mark` that Telegram accepted. */
const after = (mark: number, method: string, chatId: number) => tg.calls.slice(mark).filter((c) => c.method === method && Number(c.payload['chat_id']) === chatId && c.status === 200);
const attemptsAfter = (mark: number, method: string, chatId: number) => tg.calls.slice(mark).filter((c) => c.method === method && Number(c.payload['chat_id']) === chatId);

/** Waits for the final answer in a private chat: a sendMessage carrying the Sources button (or a "no sources" text). */
async function finalAnswer(mark: number, chatId = USER, parts = 1): Promise<ProxyCall[]> {
  await tg.waitFor(() => after(mark, 'sendMessage', chatId).some((c) => JSON.stringify(c.payload['reply_markup'] ?? '').includes('sources')) && after(mark, 'sendMessage', chatId).length >= parts, 20_000, 'the final answer');
  return after(mark, 'sendMessage', chatId);
}

beforeAll(async () => {
  tg = await startTelegramHarness(TOKEN);
  llm = await startFakeLlm();
  dataDir = mkdtempSync(path.join(tmpdir(), 'docrag-bot-e2e-'));
  runtime = await start();
  user = client(USER);
});

afterAll(async () => {
  await runtime?.stop('test end');
  await tg?.close();
  await llm?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('a private chat', () => {
  it('indexes a DOCX and a PDF, showing progress and the chunk count', async () => {
    const docx = makeDocx(['# Warranty', 'The zorblax warranty lasts 24 months from the date of purchase.', 'Repairs under the zorblax warranty are free of charge.']);
    const { mark } = await sendDocument(user, 'guide.docx', docx);
    await tg.waitFor(() => after(mark, 'editMessageText', USER).some((c) => /Indexed/.test(textOf(c))), 15_000, 'DOCX indexed');
    expect(textOf(after(mark, 'sendMessage', USER)[0]!)).toContain('Downloading <b>guide.docx</b>');
    const edits = after(mark, 'editMessageText', USER).map(textOf);
    expect(edits.slice(0, -1).some((t) => /Parsing|Chunking|Embedding|Saving/.test(t))).toBe(true);
    expect(edits.at(-1)).toMatch(/✅ Indexed <b>guide\.docx<\/b>: [1-9]\d* chunks?/);
    // Every edit goes to the one progress message.
    const progressId = after(mark, 'editMessageText', USER)[0]!.payload['message_id'];
    expect(after(mark, 'editMessageText', USER).every((c) => c.payload['message_id'] === progressId)).toBe(true);

    const pdf = makePdf([['Quarterly report'], ['Flumbergast revenue was 42 million euros in the third quarter.', 'Flumbergast costs rose by 3 percent.']]);
    const second = await sendDocument(user, 'report.pdf', pdf);
    await tg.waitFor(() => after(second.mark, 'editMessageText', USER).some((c) => /Indexed/.test(textOf(c))), 15_000, 'PDF indexed');
    expect(textOf(after(second.mark, 'editMessageText', USER).at(-1)!)).toMatch(/✅ Indexed <b>report\.pdf<\/b>: [1-9]\d* chunks?/);

    const again = await sendDocument(user, 'guide-copy.docx', docx);
    await tg.waitFor(() => after(again.mark, 'editMessageText', USER).some((c) => /already indexed/.test(textOf(c))), 15_000, 'duplicate reported');
  });

  it('streams an answer whose citation names the right file', async () => {
    const mark = await say(user, 'How long does the zorblax warranty last?');
    const [final] = await finalAnswer(mark);
    expect(after(mark, 'sendMessageDraft', USER).length).toBeGreaterThan(0);
    expect(final!.payload['parse_mode']).toBe('HTML');
    expect(textOf(final!)).toContain('[1: guide.docx]');
    expect(textOf(final!)).toMatch(/Sources:\n\[1\] guide\.docx — Warranty/);
    expect(textOf(final!)).not.toContain('report.pdf');

    const mark2 = await say(user, 'What was the Flumbergast revenue?');
    const [final2] = await finalAnswer(mark2);
    expect(textOf(final2!)).toMatch(/\[1: report\.pdf, pp?\. [\d–]+\]/);
  });

  it('condenses a follow-up with the history, and the history survives a restart', async () => {
    const before = llm.requests.length;
    const mark = await say(user, 'And what about its costs?');
    const [final] = await finalAnswer(mark);
    const condense = llm.requests.slice(before).find((r) => r.messages[0]?.content.startsWith('Rewrite the user'));
    expect(condense?.messages.at(-1)?.content).toContain('User: What was the Flumbergast revenue?');
    expect(textOf(final!)).toContain('report.pdf');

    await runtime!.stop('restart');
    // Sent while the bot is down: on start only the last message of the chat is answered.
    const whileDown = await say(user, 'How long does the zorblax warranty last?');
    await say(user, 'Sorry, I meant: what was the Flumbergast revenue?');
    runtime = await start();
    const [pending] = await finalAnswer(whileDown);
    expect(textOf(pending!)).toContain('report.pdf');
    expect(after(whileDown, 'sendMessage', USER)).toHaveLength(1);
    const beforeRestart = llm.requests.length;
    const mark2 = await say(user, 'And in which quarter?');
    const [final2] = await finalAnswer(mark2);
    const condense2 = llm.requests.slice(beforeRestart).find((r) => r.messages[0]?.content.startsWith('Rewrite the user'));
    expect(condense2?.messages.at(-1)?.content).toContain('Flumbergast');
    expect(textOf(final2!)).toContain('report.pdf');
  });

  it('gives three specific messages for a 15 MB file, a corrupt PDF and an .exe', async () => {
    const big = await sendDocument(user, 'huge.pdf', new Uint8Array(15 * 1024 * 1024), 15 * 1024 * 1024);
    await tg.waitFor(() => after(big.mark, 'sendMessage', USER).length > 0, 10_000, 'size refusal');
    expect(textOf(after(big.mark, 'sendMessage', USER)[0]!)).toMatch(/This file is 15\.0 MB; the limit is 10\.0 MB/);
    expect(tg.calls.filter((c) => c.method === 'getFile' && c.payload['file_id'] === big.fileId)).toHaveLength(0);

    const corrupt = await sendDocument(user, 'broken.pdf', new TextEncoder().encode('%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R\nthis is not a pdf body'));
    await tg.waitFor(() => after(corrupt.mark, 'editMessageText', USER).some((c) => textOf(c).startsWith('❌')), 10_000, 'corrupt refusal');
    expect(textOf(after(corrupt.mark, 'editMessageText', USER).at(-1)!)).toMatch(/PDF file looks damaged/);

    const exe = new Uint8Array(4096);
    exe.set([0x4d, 0x5a, 0x90, 0x00, 0x03]);
    const program = await sendDocument(user, 'setup.exe', exe);
    await tg.waitFor(() => after(program.mark, 'editMessageText', USER).some((c) => textOf(c).startsWith('❌')), 10_000, 'exe refusal');
    expect(textOf(after(program.mark, 'editMessageText', USER).at(-1)!)).toMatch(/can't read this kind of file.*PDF, DOCX, DOC, EPUB/);
  });

  it('refuses a user who is not on the allowlist', async () => {
    const stranger = client(STRANGER);
    const mark = await say(stranger, 'What is in the guide?');
    await tg.waitFor(() => after(mark, 'sendMessage', STRANGER).length > 0, 10_000, 'refusal');
    expect(textOf(after(mark, 'sendMessage', STRANGER)[0]!)).toMatch(/not on its allowlist.*2002/s);
    expect(after(mark, 'sendMessageDraft', STRANGER)).toHaveLength(0);
  });

  it('summarises a file through the LLM and lists files', async () => {
    const before = llm.requests.length;
    const mark = await say(user, '/summarize guide');
    await tg.waitFor(() => after(mark, 'editMessageText', USER).some((c) => textOf(c).includes('Summary of guide.docx')), 15_000, 'the summary');
    expect(llm.requests.slice(before).some((r) => r.messages[0]?.content.includes('guide.docx') && r.messages[1]?.content.includes('zorblax warranty lasts 24 months'))).toBe(true);
    const files = await say(user, '/files');
    await tg.waitFor(() => after(files, 'sendMessage', USER).length > 0, 10_000, '/files');
    const list = textOf(after(files, 'sendMessage', USER)[0]!);
    expect(list).toMatch(/<b>report\.pdf<\/b> — [\d.]+ (B|KB), \d+ chunks?, 2\d{3}-\d\d-\d\d/);
    expect(list).toMatch(/<b>guide\.docx<\/b>/);
  });

  it('delivers a 10,000-character answer in 3 parts of at most 4096, losing nothing', async () => {
    const mark = await say(user, `Please give me the ${LONG_ANSWER_MARKER} on the zorblax warranty`);
    const parts = await finalAnswer(mark, USER, 3);
    expect(parts).toHaveLength(3);
    for (const p of parts) expect(textOf(p).length).toBeLessThanOrEqual(4096);
    const received = parts.map(textOf).join('\n').replace(/\n\nSources:[\s\S]*$/, '');
    const expected = longAnswer().replace('[Source 1]', '[1: guide.docx]');
    expect(received.split(/\s+/)).toEqual(expected.split(/\s+/));
  });

  it('honours a 429 retry_after and still delivers the final message', async () => {
    tg.inject({
      method: 'sendMessage',
      match: (p) => Number(p['chat_id']) === USER,
      reply: { status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } } },
    });
    const mark = await say(user, 'How long does the zorblax warranty last?');
    const [final] = await finalAnswer(mark);
    const attempts = attemptsAfter(mark, 'sendMessage', USER);
    expect(attempts.map((a) => a.status)).toEqual([429, 200]);
    expect(final!.at - attempts[0]!.at).toBeGreaterThanOrEqual(950);
    expect(textOf(attempts.at(-1)!)).toContain('guide.docx');
  });
});

describe('operations', () => {
  it('publishes the command menu and serves health and metrics on the internal port', async () => {
    const menu = tg.calls.find((c) => c.method === 'setMyCommands');
    expect(JSON.stringify(menu?.payload['commands'])).toContain('"command":"ask"');
    const base = `http://127.0.0.1:${runtime!.internalPort}`;
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { telegram: true, store: true, accepting: true } });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/telegram_updates_total\{[^}]*update_type="message"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/rag_questions_total\{[^}]*outcome="generated"[^}]*\} [1-9]/);
    // Since the restart: the corrupt PDF and the .exe.
    expect(metrics).toMatch(/ingestion_files_total\{[^}]*outcome="failed"[^}]*\} [1-9]/);
  });
});

describe('a group', () => {
  it('answers only when mentioned (GROUP_POLICY=mention) and never shows private documents', async () => {
    const member = client(USER, { id: GROUP, type: 'group' });
    const chatter = await say(member, 'the zorblax warranty is great');
    await new Promise((r) => setTimeout(r, 1500));
    expect(after(chatter, 'sendMessage', GROUP)).toHaveLength(0);

    const mark = await say(member, `@${BOT_USERNAME} how long is the zorblax warranty?`);
    await tg.waitFor(() => after(mark, 'sendMessage', GROUP).length > 0, 15_000, 'group answer');
    await new Promise((r) => setTimeout(r, 300));
    const texts = [...after(mark, 'sendMessage', GROUP), ...after(mark, 'editMessageText', GROUP)].map(textOf).join('\n');
    expect(texts).toMatch(/could not find anything/);
    expect(texts).not.toContain('guide.docx');
    expect(after(mark, 'sendMessageDraft', GROUP)).toHaveLength(0);
  });
});

describe('the webhook transport', () => {
  it('registers with setWebhook, acks at once with the right secret, answers 401 otherwise, and answers a redelivered update once', async () => {
    await runtime!.stop('switch to webhook');
    const registered = tg.calls.length;
    runtime = await start({
      BOT_MODE: 'webhook',
      WEBHOOK_SECRET: 'e2e-secret',
      WEBHOOK_URL: 'https://bot.example.com/telegram',
      WEBHOOK_DROP_PENDING_UPDATES: 'true',
      WEBHOOK_PORT: '0',
      WEBHOOK_HOST: '127.0.0.1',
    });
    const setWebhook = tg.calls.slice(registered).find((c) => c.method === 'setWebhook');
    expect(setWebhook?.payload).toMatchObject({ url: 'https://bot.example.com/telegram', secret_token: 'e2e-secret', drop_pending_updates: true, allowed_updates: ['message', 'callback_query', 'stopped_message_generation'] });
    const url = `http://127.0.0.1:${runtime.webhookPort}/telegram`;
    const update = {
      update_id: 987_654,
      message: { message_id: 5, date: Math.floor(Date.now() / 1000), chat: { id: USER, type: 'private', first_name: 'Ann' }, from: { id: USER, is_bot: false, first_name: 'Ann' }, text: 'How long does the zorblax warranty last?' },
    };
    const post = (secret?: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) }, body: JSON.stringify(update) });

    expect((await post('wrong')).status).toBe(401);
    expect((await post()).status).toBe(401);
    // Platforms that probe only the public port (Render, Cloud Run) find the health routes there.
    const health = `http://127.0.0.1:${runtime.webhookPort}/health`;
    expect(await (await fetch(`${health}/live`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${health}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { telegram: true, store: true, accepting: true } });
    expect((await fetch(`http://127.0.0.1:${runtime.webhookPort}/metrics`)).status).toBe(404);

    llm.ttftMs = 1500;
    const mark = tg.calls.length;
    const t0 = performance.now();
    const res = await post('e2e-secret');
    const ackMs = performance.now() - t0;
    expect(res.status).toBe(200);
    expect(ackMs).toBeLessThan(1000);
    expect((await post('e2e-secret')).status).toBe(200); // Telegram redelivers
    const [final] = await finalAnswer(mark);
    llm.ttftMs = 0;
    expect(textOf(final!)).toContain('guide.docx');
    await new Promise((r) => setTimeout(r, 500));
    expect(after(mark, 'sendMessage', USER)).toHaveLength(1);
  });
});

describe('a graceful stop', () => {
  it('cancels an answer still running after SHUTDOWN_GRACE_MS, tells the user, and closes', async () => {
    await runtime!.stop('switch back to polling');
    runtime = await start({ SHUTDOWN_GRACE_MS: '300' });
    llm.ttftMs = 10_000;
    const mark = await say(user, 'How long does the zorblax warranty last?');
    await tg.waitFor(() => after(mark, 'sendChatAction', USER).length > 0, 10_000, 'the answer to start');
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    await runtime!.stop('SIGTERM');
    const took = performance.now() - t0;
    runtime = undefined;
    llm.ttftMs = 0;
    expect(after(mark, 'sendMessage', USER).map(textOf)).toContain('⏹ Stopped.');
    expect(took).toBeLessThan(5000);
  });
});

describe('without an LLM', () => {
  it('answers extractively, labelled, with citations', async () => {
    runtime = await start({ OPENAI_API_KEY: '' });
    const before = llm.requests.length;
    const mark = await say(user, 'How long does the zorblax warranty last?');
    const [final] = await finalAnswer(mark);
    expect(textOf(final!)).toMatch(/Extractive answer/);
    expect(textOf(final!)).toContain('guide.docx');
    expect(llm.requests.length).toBe(before);
  });
});
