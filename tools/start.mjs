#!/usr/bin/env node
/**
 * `npm start`: the whole product on one machine, right after `npm ci`. Starts the ml-api on CPU
 * (with no model downloaded it still serves BM25 sparse vectors), waits until it is live, then the
 * bot in polling mode on the embedded SQLite store with ML_API_URL pointing at it. Signals are
 * forwarded to both; when either process dies the other is stopped and this script exits with the
 * failure. Plain Node (no TypeScript) so it runs before anything is built.
 *
 * Variables read here (everything else goes to the apps unchanged):
 *   TELEGRAM_TOKEN        required (from @BotFather)
 *   ALLOW_ALL_USERS / ALLOWED_USER_IDS / ALLOWED_CHAT_IDS / ADMIN_USER_IDS  one required
 *   ML_API_URL            set = use that ml-api and start none here
 *   START_ML_API          false = no ml-api at all (in-process sparse retrieval)      default true
 *   ML_API_PORT           port of the local ml-api                                    default 8000
 *   ML_API_METRICS_PORT   its /metrics port                                           default 9465
 *   ML_API_START_TIMEOUT_MS  how long to wait for the ml-api to be live               default 120000
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env };
const say = (line) => process.stderr.write(`[start] ${line}\n`);

if (!env.TELEGRAM_TOKEN) {
  process.stderr.write(`
docrag needs a Telegram bot token to start.

  1. Open Telegram and talk to @BotFather (https://t.me/BotFather).
  2. Send /newbot, choose a name and a username ending in "bot".
  3. Copy the token it gives you (it looks like 123456789:AAE...) and run:

       TELEGRAM_TOKEN=123456789:AAE... ALLOWED_USER_IDS=<your Telegram user id> npm start

  Who may use the bot must be said explicitly: set ALLOWED_USER_IDS (comma-separated user ids;
  the bot tells a refused user their id), or ALLOW_ALL_USERS=true to let everyone in on purpose.
  Without OPENAI_API_KEY the bot answers extractively (best passages with citations).
`);
  process.exit(1);
}

const allowAll = /^(true|1|yes)$/i.test(env.ALLOW_ALL_USERS ?? '');
if (!allowAll && !env.ALLOWED_USER_IDS && !env.ALLOWED_CHAT_IDS && !env.ADMIN_USER_IDS) {
  process.stderr.write(`
docrag will not run open to every Telegram user by accident. Set one of:

  ALLOWED_USER_IDS=111,222   users who may use the bot (a refused user is told their id)
  ALLOWED_CHAT_IDS=-100123   groups where everyone may use it
  ALLOW_ALL_USERS=true       everyone, on purpose

e.g.  TELEGRAM_TOKEN=... ALLOWED_USER_IDS=123456789 npm start
`);
  process.exit(1);
}

const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
if (!existsSync(tsx)) {
  say('node_modules is missing: run `npm ci` first.');
  process.exit(1);
}

const port = (name, fallback) => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    say(`${name} must be a port number (0-65535), got ${JSON.stringify(env[name])}`);
    process.exit(1);
  }
  return value;
};
const startMlApi = !env.ML_API_URL && !/^(false|0|no)$/i.test(env.START_ML_API ?? '');
const mlPort = port('ML_API_PORT', 8000);
const mlMetricsPort = port('ML_API_METRICS_PORT', 9465);
const startTimeoutMs = Number(env.ML_API_START_TIMEOUT_MS ?? 120_000);

/** @type {Map<string, import('node:child_process').ChildProcess>} */
const children = new Map();
let stopping = false;
let exitCode = 0;

function launch(name, script, childEnv) {
  // tsx as a loader inside the app's own process (not the tsx CLI, which runs the app in a child
  // of its own): signals, and the SIGKILL fallback, then reach the app itself and nothing is orphaned.
  const child = spawn(process.execPath, ['--import', pathToFileURL(tsx).href, script], {
    cwd: root,
    env: { ...childEnv, TSX_TSCONFIG_PATH: path.join(root, 'tsconfig.base.json') },
    stdio: 'inherit',
  });
  children.set(name, child);
  say(`${name} started (pid ${child.pid})`);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      say(`${name} exited (${signal ?? `code ${code}`}); stopping the rest`);
      exitCode = code === 0 ? 1 : (code ?? 1);
      stop('SIGTERM');
    } else if (code !== 0 && code !== null && exitCode === 0) {
      exitCode = code;
    }
    if (children.size === 0) process.exit(exitCode);
  });
  return child;
}

function stop(signal) {
  if (stopping && signal !== 'SIGKILL') return;
  stopping = true;
  for (const child of children.values()) child.kill(signal);
  // The apps stop gracefully (SHUTDOWN_GRACE_MS, default 10 s); do not wait forever.
  setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
  }, 20_000).unref();
}

let signals = 0;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    // A second Ctrl-C means now.
    if (++signals > 1) stop('SIGKILL');
    else stop('SIGTERM');
    if (children.size === 0) process.exit(exitCode);
  });
}

async function waitLive(url, child) {
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || stopping) return false;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

let mlApiUrl = env.ML_API_URL;
if (startMlApi) {
  const ml = launch('ml-api', 'apps/ml-api/src/main.ts', {
    ...env,
    HOST: '127.0.0.1',
    PORT: String(mlPort),
    METRICS_PORT: String(mlMetricsPort),
    ML_DEVICE: 'cpu',
  });
  mlApiUrl = `http://127.0.0.1:${mlPort}`;
  if (!(await waitLive(`${mlApiUrl}/health/live`, ml))) {
    if (!stopping) {
      say(`the ml-api did not come up on ${mlApiUrl} within ${startTimeoutMs} ms (set ML_API_PORT if ${mlPort} is taken)`);
      exitCode = 1;
      stop('SIGTERM');
    }
    // exit happens when the children are gone
  } else {
    say(`ml-api live at ${mlApiUrl}`);
  }
}

if (!stopping) {
  const botEnv = { ...env, ...(mlApiUrl ? { ML_API_URL: mlApiUrl } : {}) };
  // PORT and METRICS_PORT given for the ml-api must not leak into the bot's internal server.
  if (startMlApi) delete botEnv.PORT;
  launch('bot', 'apps/bot/src/main.ts', botEnv);
}
