/**
 * One vitest configuration for every project, so that path aliases, reporters and
 * test-file conventions stay the same everywhere.
 *
 * - `*.test.ts` run in the project's `test` target.
 * - `*.int.test.ts` need a real external server (Qdrant, ...) and run in `test-int`.
 * - `*.gpu.test.ts` need CUDA and run in `test-gpu`.
 *
 * Every run also writes vitest's JSON report to reports/vitest/<project>[-<kind>].json,
 * which `.ci/run` totals into its closing `N passed, M failed` line.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

const workspaceRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Maps the `paths` of tsconfig.base.json to vite aliases (`@docrag/x` -> its index.ts). */
function tsconfigAliases(): Record<string, string> {
  const raw = readFileSync(path.join(workspaceRoot, 'tsconfig.base.json'), 'utf8');
  const paths = (JSON.parse(raw) as { compilerOptions: { paths: Record<string, string[]> } }).compilerOptions.paths;
  return Object.fromEntries(
    Object.entries(paths).map(([name, [target]]) => [name, path.join(workspaceRoot, target ?? '')]),
  );
}

export type TestKind = 'unit' | 'int' | 'gpu';

export interface ProjectTestOptions {
  /** Nx project name; names the JSON report. */
  name: string;
  /** The project's folder (pass `import.meta.dirname`). */
  root: string;
  kind?: TestKind;
  /** Per-test timeout in ms (default 30 s; e2e suites raise it). */
  testTimeout?: number;
  /** Run test files one at a time (suites that start servers on fixed resources). */
  serial?: boolean;
}

const include: Record<TestKind, string[]> = {
  unit: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  int: ['src/**/*.int.test.ts', 'test/**/*.int.test.ts'],
  gpu: ['src/**/*.gpu.test.ts', 'test/**/*.gpu.test.ts'],
};

export function defineProjectConfig(options: ProjectTestOptions): ViteUserConfig {
  const kind = options.kind ?? (process.env['VITEST_KIND'] as TestKind | undefined) ?? 'unit';
  const suffix = kind === 'unit' ? '' : `-${kind}`;
  return defineConfig({
    root: options.root,
    resolve: { alias: tsconfigAliases() },
    test: {
      include: include[kind],
      exclude: kind === 'unit' ? ['**/*.int.test.ts', '**/*.gpu.test.ts', '**/node_modules/**'] : ['**/node_modules/**'],
      environment: 'node',
      testTimeout: options.testTimeout ?? 30_000,
      hookTimeout: Math.max(options.testTimeout ?? 30_000, 60_000),
      passWithNoTests: kind !== 'unit',
      ...(options.serial ? { fileParallelism: false } : {}),
      reporters: [
        'default',
        ['json', { outputFile: path.join(workspaceRoot, 'reports/vitest', `${options.name}${suffix}.json`) }],
      ],
    },
  });
}
