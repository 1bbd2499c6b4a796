/**
 * The images install only the dependencies in the package.json that `nx build` generates next to
 * the bundle (generatePackageJson). This bundles each app with the build target's own options and
 * checks that every package the bundle loads at run time, including ones loaded through
 * `createRequire(...)('pkg')` that neither esbuild nor the Nx project graph can see, is in that
 * generated package.json; otherwise the container dies with "Cannot find module".
 */
import { createProjectGraphAsync, type ProjectGraph } from '@nx/devkit';
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { APPS } from './support/app-configs';
import { abs, readJson, repoRoot } from './support/repo';

interface BuildOptions { main: string; tsConfig: string; platform: 'node'; format: ['esm']; thirdParty: boolean; generatePackageJson: boolean }

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
export const packageName = (specifier: string): string => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/** Package specifiers a bundle loads at run time: static/dynamic imports plus string-literal require()s. */
export function runtimePackages(externalImports: readonly string[], code: string): Set<string> {
  const out = new Set<string>();
  const add = (s: string) => {
    if (!s.startsWith('.') && !s.startsWith('/') && !builtins.has(s) && !builtins.has(s.split('/')[0]!)) out.add(packageName(s));
  };
  externalImports.forEach(add);
  // esbuild keeps CommonJS requires as `__require("x")` and renames imports on clashes (`createRequire2`).
  for (const m of code.matchAll(/(?:^|[^\w$.])(?:__)?require\(\s*["']([^"']+)["']\s*\)/g)) add(m[1]!);
  for (const m of code.matchAll(/\bcreateRequire\w*\([^()]*(?:\([^()]*\))?[^()]*\)\(\s*["']([^"']+)["']\s*\)/g)) add(m[1]!);
  return out;
}

describe('runtimePackages', () => {
  it('sees imports, require() and createRequire()() but not relative paths or node built-ins', () => {
    const code = `var s = createRequire2(import.meta.url)("snowball-stemmers"); require("fs"); require('./x'); const y = require('@scope/pkg/sub'); __require("word-extractor"); a.require("not-a-call");`;
    expect([...runtimePackages(['grammy', 'node:path', 'zod/v4'], code)].sort()).toEqual(['@scope/pkg', 'grammy', 'snowball-stemmers', 'word-extractor', 'zod']);
  });
});

describe('generated package.json covers what each bundle loads', () => {
  let graph: ProjectGraph;
  let createPackageJson: (project: string, graph: ProjectGraph, options: Record<string, unknown>) => { dependencies?: Record<string, string> };

  beforeAll(async () => {
    process.env['NX_DAEMON'] = 'false';
    graph = await createProjectGraphAsync({ exitOnError: false });
    // The function the @nx/esbuild executor calls for generatePackageJson.
    ({ createPackageJson } = (await import('nx/src/plugins/js/package-json/create-package-json.js')) as unknown as { createPackageJson: typeof createPackageJson });
  }, 120_000);

  it.each(APPS)('%s', async (app) => {
    const options = readJson<{ targets: { build: { options: BuildOptions } } }>(`apps/${app}/project.json`).targets.build.options;
    expect(options.thirdParty).toBe(false);
    expect(options.generatePackageJson).toBe(true);
    const result = await build({
      absWorkingDir: repoRoot,
      entryPoints: [abs(options.main)],
      tsconfig: abs(options.tsConfig),
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      write: false,
      metafile: true,
      logLevel: 'silent',
      outdir: abs(`tmp/infra-bundle-check/${app}`),
    });
    const externals = Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
    const code = result.outputFiles.filter((f) => f.path.endsWith('.js')).map((f) => f.text).join('\n');
    const loaded = runtimePackages(externals, code);
    const generated = createPackageJson(app, graph, { target: 'build', root: repoRoot, isProduction: true });
    const deps = Object.keys(generated.dependencies ?? {});
    const rootDeps = readJson<{ dependencies: Record<string, string> }>('package.json').dependencies;
    expect([...loaded].filter((p) => !deps.includes(p)), `loaded by dist/apps/${app}/main.js but missing from its generated package.json`).toEqual([]);
    expect(deps.filter((p) => !(p in rootDeps)), 'production dependencies that are only devDependencies at the root').toEqual([]);
  }, 120_000);
});
