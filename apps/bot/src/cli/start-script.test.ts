/**
 * `npm start` (tools/start.mjs): guidance when the token or the allowlist is missing, and the real
 * thing — ml-api on CPU plus the polling bot against a local Bot API, signals forwarded, and both
 * stopped when one dies.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startHttpTelegram } from '../../test/support/http-telegram';
import type { HttpTelegram } from '../../test/support/http-telegram';

const root = path.resolve(import.meta.dirname, '../../../..');
const script = path.join(root, 'tools/start.mjs');
const baseEnv = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' };

function runQuick(env: Record<string, string>) {
  return spawnSync(process.execPath, [script], { cwd: root, env: { ...baseEnv, ...env }, encoding: 'utf8', timeout: 20_000 });
}

/** Waits for `condition`, failing with `describe()` (the processes' output) on timeout. */
async function until(condition: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(describe());
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

describe('npm start: guidance', () => {
  it('explains how to get a token from @BotFather when TELEGRAM_TOKEN is missing', () => {
    const result = runQuick({});
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('@BotFather');
    expect(result.stderr).toContain('/newbot');
    expect(result.stderr).toMatch(/TELEGRAM_TOKEN=123456789:AAE\.\.\. ALLOWED_USER_IDS=.* npm start/);
    expect(result.stderr).toContain('ALLOW_ALL_USERS=true');
  });

  it('refuses to start open to everyone without an allowlist, naming the variables', () => {
    const result = runQuick({ TELEGRAM_TOKEN: '1:abc' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('ALLOWED_USER_IDS');
    expect(result.stderr).toContain('ALLOW_ALL_USERS=true');
  });
});

describe('npm start: ml-api + bot', () => {
  let telegram: HttpTelegram | undefined;
  let child: ChildProcess | undefined;
  let output = '';
  const dirs: string[] = [];

  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
    await telegram?.close();
    telegram = undefined;
  });
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function start(): Promise<{ mlPid: number; botPid: number; mlPort: number }> {
    telegram = await startHttpTelegram('123:START');
    const dir = mkdtempSync(path.join(tmpdir(), 'docrag-start-'));
    dirs.push(dir);
    const [mlPort, mlMetrics, botMetrics] = [await freePort(), await freePort(), await freePort()];
    output = '';
    child = spawn(process.execPath, [script], {
      cwd: root,
      env: {
        ...baseEnv,
        TELEGRAM_TOKEN: '123:START',
        ALLOW_ALL_USERS: 'true',
        TELEGRAM_API_ROOT: telegram.apiRoot,
        ML_API_PORT: String(mlPort),
        ML_API_METRICS_PORT: String(mlMetrics),
        METRICS_PORT: String(botMetrics),
        METRICS_HOST: '127.0.0.1',
        DATA_DIR: dir,
        MODEL_DIR: path.join(dir, 'models'),
        OTEL_SDK_DISABLED: 'true',
        MODEL_WARMUP: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d) => (output += String(d)));
    child.stderr?.on('data', (d) => (output += String(d)));
    await until(() => /"msg":"bot running"/.test(output), 90_000, () => `the bot did not start:\n${output}`);
    const mlPid = Number(/ml-api started \(pid (\d+)\)/.exec(output)?.[1]);
    const botPid = Number(/bot started \(pid (\d+)\)/.exec(output)?.[1]);
    return { mlPid, botPid, mlPort };
  }

  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const exited = () => new Promise<number | null>((resolve) => (child!.exitCode !== null ? resolve(child!.exitCode) : child!.once('exit', (code) => resolve(code))));

  it('starts the ml-api (sparse, no model) and the bot pointed at it; SIGTERM stops both', async () => {
    const { mlPid, botPid, mlPort } = await start();
    const health = (await (await fetch(`http://127.0.0.1:${mlPort}/health/ready`)).json()) as { capabilities: { sparse: boolean; dense: boolean } };
    expect(health.capabilities, output).toMatchObject({ sparse: true, dense: false });
    // The bot reports dense=true only when ML_API_URL is set, and polls the Bot API.
    expect(output).toMatch(/"dense":true/);
    await until(() => telegram!.calls.some((c) => c.method === 'getUpdates'), 20_000, () => `the bot never polled:\n${output}`);

    child!.kill('SIGTERM');
    expect(await exited(), output).toBe(0);
    expect(alive(mlPid), output).toBe(false);
    expect(alive(botPid), output).toBe(false);
  }, 150_000);

  it('stops the bot and fails when the ml-api dies', async () => {
    const { mlPid, botPid } = await start();
    process.kill(mlPid, 'SIGKILL');
    expect(await exited(), output).not.toBe(0);
    expect(alive(botPid), output).toBe(false);
    expect(output).toMatch(/ml-api exited \(SIGKILL\); stopping the rest/);
  }, 150_000);
});
