/**
 * The GitHub workflows parse, call only Nx targets that exist (a target no project has makes
 * `nx run-many` a silent no-op), build images from Dockerfiles that exist, and pin what they pull.
 */
import { describe, expect, it } from 'vitest';
import { listFiles, readJson, readYaml } from './support/repo';

interface Step { run?: string; uses?: string; with?: Record<string, unknown> }
interface Job { steps: Step[]; services?: Record<string, { image: string }>; strategy?: { matrix?: Record<string, unknown[]> }; needs?: string | string[] }
interface Workflow { on: unknown; jobs: Record<string, Job> }

const workflowFiles = listFiles('.github/workflows', ['.yml', '.yaml']);
const projectFiles = ['apps', 'libs', 'tools', 'infra'].flatMap((d) => listFiles(d, ['project.json']));
const projects = new Map(
  projectFiles.map((f) => {
    const p = readJson<{ name: string; targets?: Record<string, unknown> }>(f);
    return [p.name, new Set(Object.keys(p.targets ?? {}))] as const;
  }),
);
const allTargets = new Set([...projects.values()].flatMap((t) => [...t]));

/** Nx invocations in a shell script: the targets of affected/run-many and the project:target pairs of `nx run`. */
export function nxCalls(script: string): { targets: string[]; pairs: [string, string][] } {
  const targets: string[] = [];
  const pairs: [string, string][] = [];
  for (const line of script.replace(/\\\n/g, ' ').split('\n')) {
    const m = /\bnx\s+(affected|run-many|run)\b(.*)$/.exec(line);
    if (!m) continue;
    const rest = m[2]!;
    if (m[1] === 'run') {
      const pair = /\s([\w@/.-]+):([\w-]+)/.exec(rest);
      if (pair) pairs.push([pair[1]!, pair[2]!]);
      continue;
    }
    const t = /(?:-t|--targets?)(?:=|\s+)((?:[\w-]+(?:,|\s+(?!-)))*[\w-]+)/.exec(rest);
    if (t) targets.push(...t[1]!.split(/[,\s]+/).filter(Boolean));
  }
  return { targets, pairs };
}

describe('nxCalls', () => {
  it('reads targets and project:target pairs from scripts', () => {
    expect(nxCalls('npx nx affected -t lint typecheck test build --parallel=3')).toEqual({ targets: ['lint', 'typecheck', 'test', 'build'], pairs: [] });
    expect(nxCalls('npx nx run-many --targets=test-int,test --parallel=1')).toEqual({ targets: ['test-int', 'test'], pairs: [] });
    expect(nxCalls('npx nx run bot:build --skip-nx-cache')).toEqual({ targets: [], pairs: [['bot', 'build']] });
  });
});

describe.each(workflowFiles)('%s', (file) => {
  const wf = readYaml<Workflow>(file);
  const steps = Object.values(wf.jobs).flatMap((j) => j.steps);

  it('calls only Nx targets that some project defines', () => {
    const unknown: string[] = [];
    for (const step of steps) {
      if (!step.run) continue;
      const { targets, pairs } = nxCalls(step.run);
      for (const t of targets) if (!allTargets.has(t)) unknown.push(`target "${t}" (no project has it)`);
      for (const [p, t] of pairs) if (!projects.get(p)?.has(t)) unknown.push(`${p}:${t}`);
    }
    expect(unknown).toEqual([]);
  });

  it('pins every action to a release and every service image to an exact version', () => {
    for (const step of steps) if (step.uses) expect(step.uses, 'action ref').toMatch(/@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
    for (const job of Object.values(wf.jobs)) for (const [name, svc] of Object.entries(job.services ?? {})) expect(svc.image, name).toMatch(/:v?\d+\.\d+\.\d+(-[\w.]+)?$|@sha256:[0-9a-f]{64}$/);
  });

  it('builds images only from Dockerfiles that exist', () => {
    for (const job of Object.values(wf.jobs)) {
      const apps = (job.strategy?.matrix?.['app'] as string[] | undefined) ?? [];
      for (const step of job.steps) {
        const dockerfile = step.with?.['file'];
        if (typeof dockerfile !== 'string') continue;
        const files = dockerfile.includes('${{ matrix.app }}') ? apps.map((a) => dockerfile.replace('${{ matrix.app }}', a)) : [dockerfile];
        expect(files.length).toBeGreaterThan(0);
        for (const f of files) expect(listFiles('infra/docker', ['.Dockerfile'])).toContain(f);
      }
    }
  });
});

describe('ci.yml', () => {
  const wf = readYaml<Workflow>('.github/workflows/ci.yml');

  it('runs nx affected on pull requests with the Nx cache restored', () => {
    expect(wf.on).toHaveProperty('pull_request');
    const steps = wf.jobs['affected']!.steps;
    expect(steps.some((s) => s.run && /nx affected -t lint typecheck test build/.test(s.run))).toBe(true);
    expect(steps.some((s) => s.uses?.startsWith('actions/cache@') && s.with?.['path'] === '.nx/cache')).toBe(true);
    expect(steps.some((s) => s.uses?.startsWith('nrwl/nx-set-shas@'))).toBe(true);
  });

  it('runs the test-int suites against a Qdrant service container', () => {
    const job = wf.jobs['integration']!;
    expect(job.services?.['qdrant']?.image).toMatch(/^qdrant\/qdrant:v/);
    expect(job.steps.some((s) => s.run && nxCalls(s.run).targets.includes('test-int'))).toBe(true);
  });

  it('builds every app image', () => {
    expect(wf.jobs['images']!.strategy?.matrix?.['app']).toEqual(['bot', 'ml-api', 'metrics-exporter']);
  });
});

describe('release.yml', () => {
  const wf = readYaml<Workflow>('.github/workflows/release.yml');
  it('runs on version tags and tags images with the version and the git sha', () => {
    expect(JSON.stringify(wf.on)).toContain('v*.*.*');
    const meta = wf.jobs['images']!.steps.find((s) => s.uses?.startsWith('docker/metadata-action@'));
    expect(String(meta?.with?.['tags'])).toMatch(/type=semver,pattern=\{\{version\}\}/);
    expect(String(meta?.with?.['tags'])).toMatch(/type=sha/);
    expect(wf.jobs['images']!.needs).toBe('verify');
  });
});
