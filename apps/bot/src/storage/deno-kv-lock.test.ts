/**
 * The in-flight guard's lease and /cancel channel on Deno KV: the same lock and cancel scenarios (two lock instances as two isolates:
 * exclusion per user, owner-only release and renew, expiry, renewal) played under Deno against a
 * real KV file opened twice, and under Node against the in-process KV the adapters' unit tests use.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { denoExecutable } from '../../test/support/deno-binary';
import { EXPECTED_CANCEL_SCENARIO, EXPECTED_LOCK_SCENARIO, runCancelScenario, runLockScenario } from '../../test/support/shared-lock-scenario';
import { createDenoKvBotStorage } from './deno-kv-bot-storage';
import { createMemoryKv } from './memory-kv';

const root = path.resolve(import.meta.dirname, '../../../..');
const dir = mkdtempSync(path.join(tmpdir(), 'docrag-kv-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Deno KV lock (in-flight guard across isolates)', () => {
  it('under Deno, over one real KV file opened by two isolates', () => {
    const result = spawnSync(
      denoExecutable(root),
      ['run', '--config', 'apps/bot/src/edge/deno.json', '--allow-read', '--allow-write', 'apps/bot/test/support/kv-lock-under-deno.ts', path.join(dir, 'lock.kv')],
      { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' }, timeout: 60_000 },
    );
    expect(result.status, result.stderr).toBe(0);
    const seen = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as { lock?: unknown; cancel?: unknown };
    expect(seen.lock).toStrictEqual(EXPECTED_LOCK_SCENARIO);
    expect(seen.cancel).toStrictEqual(EXPECTED_CANCEL_SCENARIO);
  }, 60_000);

  it('under Node, over the in-process KV', async () => {
    const kv = createMemoryKv();
    const a = createDenoKvBotStorage(kv).locks!;
    const b = createDenoKvBotStorage(kv).locks!;
    expect(await runLockScenario(a, b)).toStrictEqual(EXPECTED_LOCK_SCENARIO);
  });

  it('carries /cancel between isolates under Node, over the in-process KV', async () => {
    const kv = createMemoryKv();
    const [a, b] = [createDenoKvBotStorage(kv), createDenoKvBotStorage(kv)].map((storage) => ({ lock: storage.locks!, cancels: storage.cancels! }));
    expect(await runCancelScenario(a!, b!)).toStrictEqual(EXPECTED_CANCEL_SCENARIO);
  }, 30_000);

  it('lets exactly one of many concurrent acquirers in two isolates take a key', async () => {
    const kv = createMemoryKv();
    const a = createDenoKvBotStorage(kv).locks!;
    const b = createDenoKvBotStorage(kv).locks!;
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).acquire('in-flight:9', 10_000)));
    expect(tokens.filter((t) => t !== undefined)).toHaveLength(1);
  });
});
