#!/usr/bin/env node
// Computes which node_modules packages the Deno Deploy upload needs for the edge entry, so
// infra/deno/deno.json includes those (about 100 packages, ~90 MB) instead of the whole
// node_modules (1.1 GB with build tools, onnxruntime and Deno itself).
//
// Roots: npm packages in the entry's module graph (`deno info --json`) plus packages loaded with
// createRequire(...)('pkg') from the repository's own modules (invisible to the graph, e.g. the
// Snowball stemmers in @docrag/sparse). Closure: dependencies + optionalDependencies from
// package-lock.json, resolved like Node (nested node_modules first).
//
//   node infra/scripts/deno-deploy-include.mjs           # exit 1 and print the difference if stale
//   node infra/scripts/deno-deploy-include.mjs --write   # update deploy.include in infra/deno/deno.json
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DENO_CONFIG = 'infra/deno/deno.json';
export const EDGE_ENTRY = 'apps/bot/src/edge/main.ts';

const packageOf = (rest) => {
  const parts = rest.split('/');
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
};

/** npm packages the edge entry needs at run time, before the dependency closure. */
export function edgeRootPackages() {
  const out = execFileSync(path.join(root, 'node_modules/.bin/deno'), ['info', '--json', '--config', DENO_CONFIG, EDGE_ENTRY], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const graph = JSON.parse(out);
  const roots = new Set();
  for (const m of graph.modules ?? []) {
    const spec = String(m.specifier ?? '');
    const i = spec.indexOf('/node_modules/');
    if (i >= 0) {
      roots.add(packageOf(spec.slice(i + '/node_modules/'.length)));
      continue;
    }
    if (!spec.startsWith('file://')) continue;
    const text = readFileSync(fileURLToPath(spec), 'utf8');
    for (const r of text.matchAll(/createRequire\([^()]*(?:\([^()]*\))?[^()]*\)\(\s*["']([^"'.][^"']*)["']\s*\)/g)) roots.add(packageOf(r[1]));
  }
  return [...roots].sort();
}

/** Top-level node_modules folders holding the closure of `roots` (nested ones live inside them). */
export function closureDirs(roots) {
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')).packages;
  const resolve = (from, name) => {
    let base = from;
    for (;;) {
      const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
      if (lock[candidate]) return candidate;
      if (!base) return undefined;
      const i = base.lastIndexOf('/node_modules/');
      base = i >= 0 ? base.slice(0, i) : '';
    }
  };
  const seen = new Set();
  const missing = [];
  const stack = roots.map((r) => resolve('', r) ?? (missing.push(r), undefined)).filter(Boolean);
  while (stack.length > 0) {
    const key = stack.pop();
    if (seen.has(key)) continue;
    seen.add(key);
    const entry = lock[key];
    for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      const r = resolve(key, dep);
      if (r) stack.push(r);
      else if (!entry.optionalDependencies?.[dep]) missing.push(`${dep} (from ${key})`);
    }
  }
  if (missing.length > 0) throw new Error(`not in package-lock.json: ${missing.join(', ')}`);
  return [...seen].filter((k) => !k.slice('node_modules/'.length).includes('/node_modules/')).sort();
}

/** The deploy.include list: the repository files the entry needs plus the package folders. */
export function expectedInclude() {
  const fixed = ['../../apps/bot/src', '../../libs', '../../package.json'];
  return [...fixed, ...closureDirs(edgeRootPackages()).map((d) => `../../${d}`)];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = path.join(root, DENO_CONFIG);
  const config = JSON.parse(readFileSync(file, 'utf8'));
  const want = expectedInclude();
  const have = config.deploy.include;
  if (process.argv.includes('--write')) {
    config.deploy.include = want;
    writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
    console.log(`${DENO_CONFIG}: deploy.include has ${want.length} entries`);
  } else if (JSON.stringify(want) !== JSON.stringify(have)) {
    console.error(`${DENO_CONFIG} deploy.include is stale:\n  missing: ${want.filter((w) => !have.includes(w)).join(' ')}\n  extra: ${have.filter((h) => !want.includes(h)).join(' ')}\nrun node infra/scripts/deno-deploy-include.mjs --write`);
    process.exit(1);
  } else console.log(`${DENO_CONFIG}: deploy.include is up to date (${want.length} entries)`);
}
