/**
 * The composition root as a process: start-up, readiness, /metrics on its own port, graceful stop,
 * and the fatal start-up message for a wrong sha256 pin.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';

const fixtures = inject('onnxFixtures');
const root = path.resolve(import.meta.dirname, '../../..');

interface Started {
  lines: () => string[];
  exited: Promise<number | null>;
  kill: (signal: NodeJS.Signals) => void;
  waitFor: (pattern: RegExp) => Promise<string>;
}

function start(env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'apps/ml-api/src/main.ts')], {
    cwd: root,
    env: { ...process.env, TSX_TSCONFIG_PATH: path.join(root, 'tsconfig.base.json'), HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '0', OTEL_SDK_DISABLED: 'true', ML_DEVICE: 'cpu', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      lines.push(line);
      for (const w of waiters.filter((x) => x.pattern.test(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    lines: () => lines,
    exited,
    kill: (signal) => child.kill(signal),
    waitFor: (pattern) => {
      const seen = lines.find((l) => pattern.test(l));
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ pattern, resolve }));
    },
  };
}

describe('main.ts', () => {
  it('starts, reports ready, serves /metrics on its own port and stops cleanly on SIGTERM', async () => {
    const app = start({ EMBED_MODEL_DIR: fixtures.embedder.dir, RERANK_MODEL_DIR: fixtures.reranker.dir, EMBED_MODEL_SHA256: fixtures.embedder.sha256 });
    const listening = JSON.parse(await app.waitFor(/"msg":"listening/)) as { port: number; metricsPort: number };
    await app.waitFor(/"msg":"ready"/);
    const ready = await fetch(`http://127.0.0.1:${listening.port}/health/ready`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${listening.metricsPort}/metrics`)).text();
    expect(metrics).toContain('ml_model_info{model="all-MiniLM-L6-v2",provider="cpu",dim="32"');
    expect((await fetch(`http://127.0.0.1:${listening.port}/metrics`)).status).toBe(404);
    app.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(app.lines().some((l) => l.includes('"msg":"stopped"'))).toBe(true);
  });

  it('exits 1 on a wrong sha256 pin, naming the file and both hashes', async () => {
    const wrong = 'e'.repeat(64);
    const app = start({ EMBED_MODEL_DIR: fixtures.embedder.dir, RERANK_MODEL_DIR: '/nonexistent', EMBED_MODEL_SHA256: wrong });
    expect(await app.exited).toBe(1);
    const fatal = app.lines().find((l) => l.includes('"level":"fatal"')) ?? '';
    expect(fatal).toContain(`sha256 mismatch for ${path.join(fixtures.embedder.dir, 'model.onnx')}: expected ${wrong}, got ${fixtures.embedder.sha256}`);
  });

  it('exits 2 on an invalid variable, naming it', async () => {
    const app = start({ ML_DEVICE: 'tpu' });
    expect(await app.exited).toBe(2);
    expect(app.lines().join('\n')).toContain('ML_DEVICE');
  });
});
