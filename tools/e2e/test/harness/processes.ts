import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const workspaceRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** A free TCP port on 127.0.0.1 (bind port 0, read it, release it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function waitForHttp(url: string, options: { timeoutMs?: number; ok?: (status: number) => boolean; describe?: () => string } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const ok = options.ok ?? ((status) => status === 200);
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (ok(response.status)) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`${url} not ready: ${last}\n${options.describe?.() ?? ''}`);
}

export interface Service {
  readonly name: string;
  readonly process: ChildProcess;
  /** Last lines of its stdout and stderr, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Spawns a long-running command; `stop` sends SIGTERM and waits (SIGKILL after 5 s). */
export function spawnService(name: string, command: string, args: readonly string[], env: Record<string, string>): Service {
  const child = spawn(command, args, { cwd: workspaceRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    name,
    process: child,
    output: () => `--- ${name} (exit ${child.exitCode ?? 'running'}) ---\n${lines.slice(-40).join('\n')}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Runs a workspace TypeScript entry point with tsx, as `nx serve` does. */
export function spawnApp(name: string, entry: string, env: Record<string, string>): Service {
  return spawnService(name, process.execPath, ['--import', 'tsx', entry], { TSX_TSCONFIG_PATH: path.join(workspaceRoot, 'tsconfig.base.json'), ...env });
}
