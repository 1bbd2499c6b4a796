/**
 * Runs the Deno edge entry for real (`deno run`, the `deno` npm package) against a Bot API server
 * and an OpenAI-compatible server on 127.0.0.1, and drives it through its webhook: secret checks,
 * an upload, a streamed cited answer, and a redelivered update answered once. Two entries sharing
 * one KV file stand for two isolates of a deployment: one answer at a time per user holds across them.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpTelegram } from '../../test/support/http-telegram';
import type { ApiCall, HttpTelegram } from '../../test/support/http-telegram';
import { denoExecutable } from '../../test/support/deno-binary';
import { startSseLlm } from '../../test/support/sse-llm';
import type { SseLlm } from '../../test/support/sse-llm';
import { startTinyMlApi } from '../../test/support/tiny-ml-api';
import type { TinyMlApi } from '../../test/support/tiny-ml-api';

const root = path.resolve(import.meta.dirname, '../../../..');
const deno = denoExecutable(root);
const TOKEN = '123456:EDGE-test_token';
const SECRET = 'edge-secret_1';
const USER = 42;
const ML_USER = 43;

interface EdgeProcess {
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Runs `deno run apps/bot/src/edge/main.ts` with the given variables (and flags); resolves once it listens. */
async function startEdge(env: Record<string, string>, flags: readonly string[] = []): Promise<EdgeProcess> {
  let output = '';
  const child: ChildProcess = spawn(
    deno,
    ['run', '--config', 'apps/bot/src/edge/deno.json', '--allow-net', '--allow-env', '--allow-read', '--allow-sys', ...flags, 'apps/bot/src/edge/main.ts'],
    {
      cwd: root,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? '/tmp',
        NO_COLOR: '1',
        DENO_NO_UPDATE_CHECK: '1',
        TELEGRAM_TOKEN: TOKEN,
        TELEGRAM_API_ROOT: telegram.apiRoot,
        WEBHOOK_SECRET: SECRET,
        WEBHOOK_HOST: '127.0.0.1',
        WEBHOOK_PORT: '0',
        ALLOWED_USER_IDS: `${USER},${ML_USER}`,
        OPENAI_API_KEY: 'sk-edge',
        OPENAI_BASE_URL: llm.url,
        DEFAULT_MODEL: 'edge-llm',
        DRAFT_INTERVAL_MS: '50',
        PROGRESS_EDIT_INTERVAL_MS: '0',
        DENO_KV_PATH: ':memory:',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (d) => (output += String(d)));
  child.stderr?.on('data', (d) => (output += String(d)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the edge entry did not start within 60 s:\n${output}`)), 60_000);
    child.stdout?.on('data', () => {
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the edge entry exited with code ${code}:\n${output}`));
    });
  });
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

let telegram: HttpTelegram;
let llm: SseLlm;
let edge: EdgeProcess;
let updateId = 1000;

function update(message: Record<string, unknown>, user = USER, id = ++updateId) {
  return {
    update_id: id,
    message: {
      message_id: id,
      date: Math.floor(Date.now() / 1000),
      chat: { id: user, type: 'private', first_name: 'Ada' },
      from: { id: user, is_bot: false, first_name: 'Ada', language_code: 'en' },
      ...message,
    },
  };
}

function post(body: unknown, secret?: string, url = edge.url): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret === undefined ? {} : { 'x-telegram-bot-api-secret-token': secret }) },
    body: JSON.stringify(body),
  });
}

beforeAll(async () => {
  telegram = await startHttpTelegram(TOKEN);
  llm = await startSseLlm();
  edge = await startEdge({});
}, 90_000);

afterAll(async () => {
  await edge?.stop();
  await telegram?.close();
  await llm?.close();
});

describe('Deno edge entry', () => {
  it('publishes the command menu on start', async () => {
    const call = await telegram.waitFor((c) => c.method === 'setMyCommands');
    expect((call.payload['commands'] as Array<{ command: string }>).map((c) => c.command)).toContain('ask');
  });

  it('answers health probes and refuses other paths', async () => {
    const base = new URL(edge.url);
    expect((await fetch(new URL('/health/live', base))).status).toBe(200);
    expect((await fetch(new URL('/nope', base))).status).toBe(404);
    expect((await fetch(edge.url)).status).toBe(405);
  });

  it('rejects a webhook call with a missing or wrong secret with 401', async () => {
    const body = update({ text: 'hello' });
    expect((await post(body)).status).toBe(401);
    expect((await post(body, 'wrong-secret')).status).toBe(401);
    expect(telegram.calls.filter((c) => c.method === 'sendMessage')).toHaveLength(0);
  });

  it('indexes an uploaded Markdown file and answers a question with a streamed, cited answer', async () => {
    const doc = '# Retrieval notes\n\nReciprocal rank fusion adds 1/(k + rank) for each ranked list.\n\nBM25 weights terms by frequency.';
    telegram.files.set('documents/doc-1', new TextEncoder().encode(doc));
    const started = performance.now();
    const upload = await post(update({ document: { file_id: 'doc-1', file_unique_id: 'u1', file_name: 'notes.md', mime_type: 'text/markdown', file_size: doc.length } }), SECRET);
    expect(upload.status).toBe(200);
    // Acknowledged at once; the work happens after the response.
    expect(performance.now() - started).toBeLessThan(2_000);
    await telegram.waitFor((c) => /Indexed <b>notes\.md<\/b>/.test(String(c.payload['text'] ?? '')));

    const ask = await post(update({ text: 'How does reciprocal rank fusion combine lists?' }), SECRET);
    expect(ask.status).toBe(200);
    const answer = await telegram.waitFor((c) => c.method === 'sendMessage' && String(c.payload['text'] ?? '').includes('1/(k + rank)'));
    const text = String(answer.payload['text']);
    expect(text).toContain('notes.md');
    expect(llm.requests.length).toBeGreaterThan(0);
    // The private-chat preview streamed through drafts before the final message.
    expect(telegram.calls.some((c) => c.method === 'sendMessageDraft')).toBe(true);
    if (process.env['EDGE_TEST_VERBOSE']) console.log(telegram.texts().join('\n---\n'));
  });

  it('answers a redelivered update only once', async () => {
    const body = update({ text: 'What does BM25 weight?' });
    const sent = () => telegram.calls.filter((c) => c.method === 'sendMessage' && c.payload['chat_id'] === USER).length;
    const before = sent();
    const first = await post(body, SECRET);
    const again = await post(body, SECRET);
    expect([first.status, again.status]).toEqual([200, 200]);
    await telegram.waitFor((c) => c.method === 'sendMessage' && telegram.calls.indexOf(c) >= 0 && sent() > before);
    // Give a duplicate time to show up if it were processed.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(sent() - before).toBe(1);
    expect(edge.output()).toMatch(/redelivered update ignored/);
  });
});

describe('Deno edge entry with an ml-api', () => {
  let ml: TinyMlApi;
  let withMl: EdgeProcess;
  beforeAll(async () => {
    ml = await startTinyMlApi();
    // Non-default limits: the edge composition must pass them to the use cases as the Node one does.
    withMl = await startEdge({ ML_API_URL: ml.url, ML_API_KEY: 'ml-secret', RETRIEVAL_LIMIT: '6', RERANK_TOP_K: '2' });
  }, 90_000);
  afterAll(async () => {
    await withMl?.stop();
    await ml?.close();
  });

  it('embeds (dense + sparse) and reranks through the ml-api client under Deno, with the bearer key', async () => {
    const doc = '# Fusion\n\nReciprocal rank fusion adds 1/(k + rank) for each ranked list.\n\nUnrelated paragraph about bread.';
    telegram.files.set('documents/ml-doc', new TextEncoder().encode(doc));
    await post(update({ document: { file_id: 'ml-doc', file_unique_id: 'm1', file_name: 'fusion.md', mime_type: 'text/markdown', file_size: doc.length } }, ML_USER), SECRET, withMl.url);
    await telegram.waitFor((c) => c.payload['chat_id'] === ML_USER && /Indexed <b>fusion\.md<\/b>/.test(String(c.payload['text'] ?? '')));
    await post(update({ text: 'What does reciprocal rank fusion add?' }, ML_USER), SECRET, withMl.url);
    const answer = await telegram.waitFor((c) => c.method === 'sendMessage' && c.payload['chat_id'] === ML_USER && String(c.payload['text'] ?? '').includes('1/(k + rank)'));
    expect(String(answer.payload['text'])).toContain('fusion.md');

    expect(ml.calls.some((c) => c.path === '/health/ready')).toBe(true);
    const embeds = ml.calls.filter((c) => c.path === '/embed');
    expect(embeds.some((c) => (c.body as { is_query?: boolean }).is_query === false)).toBe(true);
    expect(embeds.some((c) => (c.body as { is_query?: boolean }).is_query === true)).toBe(true);
    const reranks = ml.calls.filter((c) => c.path === '/rerank').map((c) => c.body as { documents: unknown[]; top_k?: number });
    expect(reranks.length).toBeGreaterThan(0);
    expect(reranks.every((body) => body.top_k === 2 && body.documents.length <= 6)).toBe(true);
    expect(ml.calls.every((c) => c.path.startsWith('/health') || c.headers['authorization'] === 'Bearer ml-secret')).toBe(true);
  });
});

describe('Deno edge entry: two isolates sharing one KV', () => {
  const SHARED_USER = 44;
  let dir: string;
  let a: EdgeProcess;
  let b: EdgeProcess;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'docrag-edge-kv-'));
    // The rate limit is shared through KV too; these tests send more than its default 6 per 10 s.
    // A generous /cancel wait: on a loaded machine A may take more than the default 3 s to stop.
    const env = { DENO_KV_PATH: path.join(dir, 'shared.kv'), ALLOWED_USER_IDS: String(SHARED_USER), RATE_LIMIT_MESSAGES: '30', ANSWER_CANCEL_WAIT_MS: '15000' };
    // A KV file rather than :memory:, so both processes open the same database. One after the
    // other: two first opens of a new file at once can fail with "database is locked" (SQLite).
    a = await startEdge(env, [`--allow-write=${dir}`]);
    b = await startEdge(env, [`--allow-write=${dir}`]);
  }, 90_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second question in B while A is still answering the user, and answers it once A is done', async () => {
    const to = (pattern: RegExp) => (c: ApiCall) => c.payload['chat_id'] === SHARED_USER && pattern.test(String(c.payload['text'] ?? ''));
    const doc = '# Fusion\n\nReciprocal rank fusion adds 1/(k + rank) for every ranked list it merges.';
    telegram.files.set('documents/shared-kv', new TextEncoder().encode(doc));
    // Indexed through A; B searches the same KV.
    await post(update({ document: { file_id: 'shared-kv', file_unique_id: 's44', file_name: 'fusion.md', mime_type: 'text/markdown', file_size: doc.length } }, SHARED_USER), SECRET, a.url);
    await telegram.waitFor(to(/Indexed <b>fusion\.md<\/b>/));

    const answers = () => telegram.calls.filter((c) => c.method === 'sendMessage' && to(/1\/\(k \+ rank\)/)(c)).length;
    llm.setDelay(1_000);
    try {
      const seen = llm.requests.length;
      await post(update({ text: 'What does reciprocal rank fusion add?' }, SHARED_USER), SECRET, a.url);
      await expect.poll(() => llm.requests.length, { timeout: 20_000 }).toBeGreaterThan(seen);
      await post(update({ text: 'And what about ties?' }, SHARED_USER), SECRET, b.url);
      await telegram.waitFor(to(/I am still working on your previous request/));
      expect(llm.requests.length).toBe(seen + 1);
      await expect.poll(answers, { timeout: 20_000 }).toBe(1);
    } finally {
      llm.setDelay(0);
    }
    // A released the lease with its final message: B takes the next question.
    await post(update({ text: 'Which lists does it merge?' }, SHARED_USER), SECRET, b.url);
    await expect.poll(answers, { timeout: 20_000 }).toBe(2);
  });

  it('stops the answer running in A when /cancel reaches B', async () => {
    const to = (pattern: RegExp) => (c: ApiCall) => c.payload['chat_id'] === SHARED_USER && pattern.test(String(c.payload['text'] ?? ''));
    llm.setDelay(8_000);
    try {
      const seen = llm.requests.length;
      const callsBefore = telegram.calls.length;
      await post(update({ text: 'What does reciprocal rank fusion add to a score?' }, SHARED_USER), SECRET, a.url);
      await expect.poll(() => llm.requests.length, { timeout: 20_000 }).toBeGreaterThan(seen);
      await post(update({ text: '/cancel', entities: [{ type: 'bot_command', offset: 0, length: 7 }] }, SHARED_USER), SECRET, b.url);
      // B says what a /cancel in A would, and A ends its answer as stopped, well before the LLM's 8 s.
      await telegram.waitFor((c) => to(/Stopping…/)(c) && telegram.calls.indexOf(c) >= callsBefore, 20_000);
      await telegram.waitFor((c) => to(/⏹ Stopped\./)(c) && telegram.calls.indexOf(c) >= callsBefore, 20_000);
      expect(telegram.calls.slice(callsBefore).some(to(/Nothing is running/))).toBe(false);
    } finally {
      llm.setDelay(0);
    }
    // The lease went with the stopped answer: B answers the next question at once.
    const answered = telegram.calls.length;
    await post(update({ text: 'Which lists does it merge?' }, SHARED_USER), SECRET, b.url);
    await telegram.waitFor((c) => to(/1\/\(k \+ rank\)/)(c) && c.method === 'sendMessage' && telegram.calls.indexOf(c) >= answered, 20_000);
  }, 90_000);
});

describe('Deno edge entry: module graph', () => {
  const denoArgs = (command: string) => [command, '--config', 'apps/bot/src/edge/deno.json'];

  it('type-checks under deno check', () => {
    const result = spawnSync(deno, [...denoArgs('check'), 'apps/bot/src/edge/main.ts'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
    });
    expect(result.stderr + result.stdout).not.toMatch(/error/i);
    expect(result.status).toBe(0);
  }, 120_000);

  it('pulls in no SQLite, ONNX, Redis or Node-only parser code', () => {
    const result = spawnSync(deno, [...denoArgs('info'), '--json', 'apps/bot/src/edge/main.ts'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(result.status).toBe(0);
    const graph = JSON.parse(result.stdout) as { modules: Array<{ specifier: string }> };
    const specifiers = graph.modules.map((m) => m.specifier);
    expect(specifiers.some((s) => s.endsWith('apps/bot/src/edge/edge-app.ts'))).toBe(true);
    const forbidden = /better-sqlite3|sqlite-vec|onnxruntime|ioredis|storage-redis|libs\/adapters\/(sqlite-store|onnx|parsers|tokenizer|qdrant)\/|apps\/bot\/src\/(node|storage\/(sqlite|redis|create-bot-storage|index))/;
    expect(specifiers.filter((s) => forbidden.test(s))).toEqual([]);
  }, 60_000);
});
