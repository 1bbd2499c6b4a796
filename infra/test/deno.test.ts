/**
 * The Deno Deploy config for the edge webhook entry: its entrypoint exists, its import map points at
 * the same files as the edge's own deno.json, and Deno resolves the entry's whole module graph with it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { abs, readJson, run } from './support/repo';
// @ts-expect-error plain .mjs script without type declarations (also run by hand with --write)
import { closureDirs, expectedInclude } from '../scripts/deno-deploy-include.mjs';

interface DenoConfig { imports: Record<string, string>; unstable?: string[]; deploy: { project: string; entrypoint: string; include: string[]; exclude: string[] } }
const CONFIG = 'infra/deno/deno.json';
const EDGE_CONFIG = 'apps/bot/src/edge/deno.json';
const config = readJson<DenoConfig>(CONFIG);
const resolveFrom = (file: string, rel: string) => path.resolve(path.dirname(abs(file)), rel);

describe('Deno Deploy config', () => {
  it('deploys the edge webhook entry', () => {
    expect(config.deploy.project).toBe('docrag-bot');
    const entry = resolveFrom(CONFIG, config.deploy.entrypoint);
    expect(entry).toBe(abs('apps/bot/src/edge/main.ts'));
    expect(existsSync(entry)).toBe(true);
    for (const inc of config.deploy.include) expect(existsSync(resolveFrom(CONFIG, inc)), inc).toBe(true);
  });

  it('maps every @docrag import to the same file as the edge deno.json, with the same unstable features', () => {
    const edge = readJson<DenoConfig>(EDGE_CONFIG);
    const mine = Object.fromEntries(Object.entries(config.imports).map(([k, v]) => [k, resolveFrom(CONFIG, v)]));
    const theirs = Object.fromEntries(Object.entries(edge.imports).map(([k, v]) => [k, resolveFrom(EDGE_CONFIG, v)]));
    expect(mine).toEqual(theirs);
    expect([...(config.unstable ?? [])].sort()).toEqual([...(edge.unstable ?? [])].sort());
  });

  it('uploads every node_modules package the edge needs and no build tools (regenerate with infra/scripts/deno-deploy-include.mjs --write)', () => {
    const include = (expectedInclude as () => string[])();
    // Missing packages break the deployed isolate; a leftover one only makes the upload bigger.
    expect(include.filter((i) => !config.deploy.include.includes(i)), 'needed but not uploaded').toEqual([]);
    // The Snowball stemmers are loaded through createRequire, outside the module graph.
    expect(include).toContain('../../node_modules/snowball-stemmers');
    expect(config.deploy.include.filter((i) => /node_modules(\/(onnxruntime-node|nx|typescript|deno|vitest))?$/.test(i))).toEqual([]);
  });

  it('closes over dependencies like Node resolves them and names what the lock file lacks', () => {
    const dirs = (closureDirs as (roots: string[]) => string[])(['grammy']);
    expect(dirs).toContain('node_modules/grammy');
    expect(dirs.length).toBeGreaterThan(1);
    expect(dirs.every((d) => !d.slice('node_modules/'.length).includes('/node_modules/'))).toBe(true);
    expect(() => (closureDirs as (roots: string[]) => string[])(['no-such-package-docrag'])).toThrow(/not in package-lock.json: no-such-package-docrag/);
  });

  it('resolves the whole module graph of the entry (deno info)', () => {
    const out = run(abs('node_modules/.bin/deno'), ['info', '--config', CONFIG, 'apps/bot/src/edge/main.ts'], { env: { NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } });
    expect(out).toContain('apps/bot/src/edge/main.ts');
    expect(out).not.toMatch(/\(missing\)|error:/i);
  });
});
