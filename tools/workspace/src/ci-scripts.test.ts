/** The CI helpers: the README config table is current, and the vitest summary adds up correctly. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nxEnv, workspaceRoot } from './workspace-root';

describe('README configuration table', () => {
  it('matches the apps’ configSchema exports (regenerate with tools/ci/config-table.ts --write)', () => {
    const run = spawnSync('npx', ['tsx', '--tsconfig', 'tsconfig.base.json', 'tools/ci/config-table.ts', '--check'], {
      cwd: workspaceRoot,
      env: nxEnv,
      encoding: 'utf8',
    });
    expect(run.stderr.split('\n').filter((l) => l && !l.startsWith('npm warn')).join('\n')).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('up to date');
  }, 60_000);

  it('lists every variable of every app with a default column', () => {
    const table = execFileSync('npx', ['tsx', '--tsconfig', 'tsconfig.base.json', 'tools/ci/config-table.ts'], { cwd: workspaceRoot, env: nxEnv, encoding: 'utf8' });
    for (const key of ['TELEGRAM_TOKEN', 'ML_API_URL', 'QDRANT_URL', 'WEBHOOK_PORT', 'METRICS_PORT', 'PORT', 'LOG_LEVEL']) {
      expect(table).toMatch(new RegExp(`\\| \`${key}\`( 🔒)? \\|`));
    }
    expect(table).toMatch(/\| `WEBHOOK_PORT` \| `8443` \|/);
    expect(table).toMatch(/\| `TELEGRAM_TOKEN` 🔒 \| \*\*required\*\* \|/);
  }, 60_000);
});

describe('tools/ci/summarize-vitest.mjs', () => {
  const summarize = (dir: string) =>
    spawnSync('node', ['tools/ci/summarize-vitest.mjs', dir], { cwd: workspaceRoot, encoding: 'utf8' });

  it('totals every report and exits 0 when all passed', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'reports-'));
    writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ numPassedTests: 3, numFailedTests: 0, numPendingTests: 1, testResults: [] }));
    writeFileSync(path.join(dir, 'b.json'), JSON.stringify({ numPassedTests: 4, numFailedTests: 0, testResults: [] }));
    const run = summarize(dir);
    expect(run.stdout.trim().split('\n').at(-1)).toBe('7 passed, 0 failed, 1 skipped');
    expect(run.status).toBe(0);
  });

  it('counts failed tests and suites that failed to load, and exits 1', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'reports-'));
    writeFileSync(
      path.join(dir, 'a.json'),
      JSON.stringify({ numPassedTests: 2, numFailedTests: 1, testResults: [{ status: 'failed', assertionResults: [] }] }),
    );
    const run = summarize(dir);
    expect(run.stdout.trim()).toBe('2 passed, 2 failed');
    expect(run.status).toBe(1);
  });

  it('fails when no test ran at all', () => {
    const run = summarize(mkdtempSync(path.join(tmpdir(), 'reports-')));
    expect(run.stdout.trim()).toBe('0 passed, 0 failed');
    expect(run.status).toBe(1);
  });
});
