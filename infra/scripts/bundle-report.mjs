#!/usr/bin/env node
// Prints what each app image carries from the Nx build output: bundle size, production
// dependencies in the generated package.json and, with --install, the size of the pruned
// `npm ci --omit=dev` install (the bulk of each image's application layer). Run through
// `npx nx run infra:bundle-report` (builds the apps first); numbers go to docs/performance.md.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const install = process.argv.includes('--install');
const apps = ['bot', 'ml-api', 'metrics-exporter'];
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const du = (dir) => Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);

const rows = [];
for (const app of apps) {
  const dist = path.join(root, 'dist/apps', app);
  if (!existsSync(path.join(dist, 'main.js'))) throw new Error(`${dist}/main.js missing: run npx nx run ${app}:build first`);
  const pkg = JSON.parse(readFileSync(path.join(dist, 'package.json'), 'utf8'));
  const row = { app, bundle: mb(statSync(path.join(dist, 'main.js')).size), dependencies: Object.keys(pkg.dependencies ?? {}).length };
  if (install) {
    const dir = mkdtempSync(path.join(tmpdir(), `docrag-${app}-`));
    try {
      cpSync(path.join(dist, 'package.json'), path.join(dir, 'package.json'));
      cpSync(path.join(dist, 'package-lock.json'), path.join(dir, 'package-lock.json'));
      const started = Date.now();
      execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'ignore', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });
      row.installSeconds = Math.round((Date.now() - started) / 1000);
      row.nodeModules = mb(du(path.join(dir, 'node_modules')));
      const ort = path.join(dir, 'node_modules/onnxruntime-node/bin/napi-v6');
      if (existsSync(ort)) {
        // What the ml-api image keeps after removing the other platforms' binaries.
        const kept = du(path.join(ort, 'linux/x64'));
        row.nodeModulesInImage = mb(du(path.join(dir, 'node_modules')) - du(ort) + kept);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  rows.push(row);
}
console.table(rows);
