/**
 * `promtool check` and `promtool test rules` over grafana/prometheus. promtool comes with the Debian
 * package `prometheus`, which .ci/run installs; without it these tests are skipped and say why.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { grafanaDir } from './promql';

function which(binary: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

const promtool = which('promtool');
const reason = 'promtool not found: apt-get install prometheus (.ci/run does)';

function run(...args: string[]): string {
  return execFileSync(promtool as string, args, { encoding: 'utf8', cwd: grafanaDir, stdio: ['ignore', 'pipe', 'pipe'] });
}

describe.skipIf(!promtool)(promtool ? 'promtool' : `promtool (skipped: ${reason})`, () => {
  it('accepts the alert rules', () => {
    expect(run('check', 'rules', path.join('prometheus', 'rules', 'docrag-alerts.yml'))).toContain('SUCCESS: 10 rules found');
  });

  it('accepts prometheus.yml', () => {
    expect(run('check', 'config', path.join('prometheus', 'prometheus.yml'))).toContain('is valid prometheus config file syntax');
  });

  it('passes the unit test of every alert', () => {
    expect(run('test', 'rules', path.join('prometheus', 'tests', 'docrag-alerts.test.yml'))).toContain('SUCCESS');
  });
});
