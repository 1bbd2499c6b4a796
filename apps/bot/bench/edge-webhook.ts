/**
 * The Deno edge entry end to end on one machine: webhook acknowledgement latency, and the overhead
 * from the update's arrival to the first streamed character (the first `sendMessageDraft`),
 * excluding the LLM's own time to first token (a fake LLM waits a fixed TTFT before each piece).
 * Bot API and LLM are local servers; KV is in memory; the index holds one Markdown document.
 *
 *   npx nx run bot:bench-edge-webhook
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import path from 'node:path';
import { startHttpTelegram } from '../test/support/http-telegram';
import { denoExecutable } from '../test/support/deno-binary';
import { startSseLlm } from '../test/support/sse-llm';

const QUESTIONS = Number(process.env['BENCH_QUESTIONS'] ?? 30);
const TTFT_MS = 150;
const root = path.resolve(import.meta.dirname, '../../..');
const TOKEN = '9001:BENCH-edge';
const SECRET = 'bench-secret';
const USER = 77;

const telegram = await startHttpTelegram(TOKEN);
const llm = await startSseLlm({ pieces: ['Fusion adds ', '1/(k + rank) ', 'per list [Source 1].'], delayMs: TTFT_MS });
let output = '';
const child = spawn(
  denoExecutable(root),
  ['run', '--config', 'apps/bot/src/edge/deno.json', '--allow-net', '--allow-env', '--allow-read', '--allow-sys', 'apps/bot/src/edge/main.ts'],
  {
    cwd: root,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/tmp',
      NO_COLOR: '1',
      TELEGRAM_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_HOST: '127.0.0.1',
      WEBHOOK_PORT: '0',
      ALLOWED_USER_IDS: String(USER),
      OPENAI_API_KEY: 'sk-bench',
      OPENAI_BASE_URL: llm.url,
      MAX_HISTORY_TURNS: '0',
      RATE_LIMIT_MESSAGES: '100000',
      USER_DAILY_TOKENS: '0',
      DRAFT_INTERVAL_MS: '50',
      PROGRESS_EDIT_INTERVAL_MS: '0',
      DENO_KV_PATH: ':memory:',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  },
);
child.stdout.on('data', (d) => (output += String(d)));
child.stderr.on('data', (d) => (output += String(d)));
const url = await new Promise<string>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`edge did not start:\n${output}`)), 60_000);
  child.stdout.on('data', () => {
    const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
    if (match?.[1]) {
      clearTimeout(timer);
      resolve(match[1]);
    }
  });
});

let updateId = 1;
const post = async (message: Record<string, unknown>) => {
  const id = ++updateId;
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
    body: JSON.stringify({
      update_id: id,
      message: { message_id: id, date: Math.floor(Date.now() / 1000), chat: { id: USER, type: 'private', first_name: 'B' }, from: { id: USER, is_bot: false, first_name: 'B' }, ...message },
    }),
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
  return { sentAt: Date.now() - (performance.now() - started), ackMs: performance.now() - started, wallStart: Date.now() };
};

const doc = '# Fusion\n\nReciprocal rank fusion adds 1/(k + rank) for each ranked list it merges.\n\nBM25 weights terms by frequency and rarity.';
telegram.files.set('documents/bench-doc', new TextEncoder().encode(doc));
await post({ document: { file_id: 'bench-doc', file_unique_id: 'b1', file_name: 'fusion.md', mime_type: 'text/markdown', file_size: doc.length } });
await telegram.waitFor((c) => /Indexed/.test(String(c.payload['text'] ?? '')), 30_000);

const acks: number[] = [];
const overheads: number[] = [];
for (let i = 0; i < QUESTIONS; i++) {
  const before = telegram.calls.length;
  const postedAt = Date.now();
  const { ackMs } = await post({ text: `What does reciprocal rank fusion add? (${i})` });
  acks.push(ackMs);
  const draft = await telegram.waitFor((c) => c.method === 'sendMessageDraft' && telegram.calls.indexOf(c) >= before, 30_000);
  overheads.push(draft.at - postedAt - TTFT_MS);
  // The next question only after this answer is final (one answer in flight per user).
  await telegram.waitFor((c) => c.method === 'sendMessage' && telegram.calls.indexOf(c) >= before && String(c.payload['text'] ?? '').includes('1/(k + rank)'), 30_000);
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}, deno (npm package)`);
console.log(`${QUESTIONS} questions, fake LLM TTFT ${TTFT_MS} ms (subtracted)`);
console.log(`webhook ack:                  p50 ${pct(acks, 0.5).toFixed(1)} ms, p95 ${pct(acks, 0.95).toFixed(1)} ms`);
console.log(`update -> first draft (-TTFT): p50 ${pct(overheads, 0.5).toFixed(0)} ms, p95 ${pct(overheads, 0.95).toFixed(0)} ms`);

child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));
await telegram.close();
await llm.close();
