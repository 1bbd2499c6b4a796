/** Every project is tagged once by layer and once by scope, and the lint rules spell out every tag. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nxEnv, workspaceRoot } from './workspace-root';

function projectFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(workspaceRoot, dir), { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...projectFiles(rel));
    else if (entry.name === 'project.json') out.push(rel);
  }
  return out;
}

const projects = ['apps', 'libs', 'tools'].flatMap(projectFiles).map((file) => ({
  file,
  ...(JSON.parse(readFileSync(path.join(workspaceRoot, file), 'utf8')) as { name: string; tags?: string[] }),
}));

interface Constraint {
  sourceTag: string;
  onlyDependOnLibsWithTags?: string[];
  bannedExternalImports?: string[];
  allowedExternalImports?: string[];
}

async function boundaryConstraints(): Promise<Constraint[][]> {
  const config = (await import(path.join(workspaceRoot, 'eslint.config.mjs'))).default as { rules?: Record<string, unknown> }[];
  return config
    .map((c) => c.rules?.['@nx/enforce-module-boundaries'])
    .filter((rule): rule is [string, { depConstraints: Constraint[] }] => Array.isArray(rule))
    .map((rule) => rule[1].depConstraints);
}

describe('project tags', () => {
  it('finds the apps, the libraries and the tools', () => {
    const names = projects.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['bot', 'ml-api', 'metrics-exporter', 'domain', 'ml-protocol', 'observability', 'testing', 'workspace']));
  });

  it.each(projects)('$file has exactly one type:* and one scope:* tag', ({ tags = [] }) => {
    expect(tags.filter((t) => t.startsWith('type:'))).toHaveLength(1);
    expect(tags.filter((t) => t.startsWith('scope:'))).toHaveLength(1);
    expect(tags.every((t) => /^(type|scope):[a-z-]+$/.test(t))).toBe(true);
  });
});

describe('eslint boundary configuration', () => {
  it('has no wildcard rule', async () => {
    const sets = await boundaryConstraints();
    expect(sets.length).toBeGreaterThanOrEqual(2);
    for (const constraint of sets.flat()) {
      expect(constraint.sourceTag).not.toContain('*');
      for (const tag of constraint.onlyDependOnLibsWithTags ?? []) expect(tag).not.toContain('*');
    }
    expect(readFileSync(path.join(workspaceRoot, 'eslint.config.mjs'), 'utf8')).not.toMatch(/sourceTag:\s*['"]\*['"]/);
  });

  it('constrains every tag a project carries, in every rule set', async () => {
    const sets = await boundaryConstraints();
    const tags = new Set(projects.flatMap((p) => p.tags ?? []));
    for (const set of sets) {
      const sourceTags = new Set(set.map((c) => c.sourceTag));
      for (const tag of tags) expect(sourceTags, `no constraint for ${tag}`).toContain(tag);
    }
  });
});

describe('nx graph', () => {
  it('shows the three apps and the libraries with their tags', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'graph-')), 'graph.json');
    execFileSync('npx', ['nx', 'graph', `--file=${file}`], { cwd: workspaceRoot, env: nxEnv, stdio: 'pipe' });
    const graph = JSON.parse(readFileSync(file, 'utf8')) as {
      graph: { nodes: Record<string, { type: string; data: { tags?: string[] } }>; dependencies: Record<string, { target: string }[]> };
    };
    const tags = (name: string) => graph.graph.nodes[name]?.data.tags ?? [];
    expect(tags('bot')).toEqual(expect.arrayContaining(['type:app', 'scope:bot']));
    expect(tags('ml-api')).toEqual(expect.arrayContaining(['type:app', 'scope:ml']));
    expect(tags('metrics-exporter')).toEqual(expect.arrayContaining(['type:app', 'scope:metrics']));
    for (const lib of ['domain', 'ml-protocol', 'observability', 'testing', 'sparse', 'tokenizer']) {
      expect(tags(lib).some((t) => t.startsWith('type:'))).toBe(true);
    }
    // The domain depends on nothing but (in its tests) the testing lib.
    const domainDeps = (graph.graph.dependencies['domain'] ?? []).map((d) => d.target).filter((t) => !t.startsWith('npm:'));
    expect(domainDeps.filter((t) => t !== 'testing')).toEqual([]);
  }, 120_000);

  it('narrows affected runs to what a change touches (the README example)', () => {
    const affected = (file: string) =>
      execFileSync('npx', ['nx', 'show', 'projects', '--affected', `--files=${file}`], { cwd: workspaceRoot, env: nxEnv, encoding: 'utf8' })
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    const tokenizer = affected('libs/adapters/tokenizer/src/index.ts');
    expect(tokenizer).toContain('tokenizer');
    for (const untouched of ['ml-api', 'onnx', 'domain', 'metrics-exporter', 'sparse']) expect(tokenizer).not.toContain(untouched);
    expect(affected('libs/domain/src/index.ts')).toEqual(expect.arrayContaining(['domain', 'bot', 'ml-api', 'testing']));
  }, 120_000);
});
