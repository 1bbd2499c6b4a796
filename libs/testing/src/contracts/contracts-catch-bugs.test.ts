/**
 * The contract suites must be able to fail: run them against deliberately broken adapters
 * (test/broken/broken-adapters.contract.ts) in a child vitest and check the right tests fail.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { workspaceRoot } from '../shared-tokenizer';

interface JsonReport {
  testResults: { assertionResults: { fullName: string; status: string }[] }[];
}

describe('contract suites catch broken adapters', () => {
  let exitCode: number | null = null;
  let results: { fullName: string; status: string }[] = [];
  const status = (name: RegExp) => results.filter((r) => name.test(r.fullName)).map((r) => r.status);

  beforeAll(() => {
    const run = spawnSync('npx', ['vitest', 'run', '--config', path.join(workspaceRoot, 'libs/testing/test/broken/vitest.config.ts')], {
      cwd: workspaceRoot,
      encoding: 'utf8',
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    exitCode = run.status;
    results = (JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as JsonReport).testResults.flatMap((r) => r.assertionResults);
  }, 60_000);

  it('the child run fails', () => {
    expect(exitCode).not.toBe(0);
  });

  it('flags a store that leaks another owner’s chunks', () => {
    expect(status(/LeakyStore.*isolates owners/)).toEqual(['failed']);
    // The leak is specific: unrelated behaviour still passes.
    expect(status(/LeakyStore.*counts chunks, parents and files/)).toEqual(['passed']);
  });

  it('flags a generator that emits two done events and ignores abort', () => {
    expect(status(/SloppyGenerator.*exactly one done/)).toEqual(['failed']);
    expect(status(/SloppyGenerator.*already aborted/)).toEqual(['failed']);
  });
});
