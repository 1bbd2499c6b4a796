// ESLint flat config. The module-boundary rules below are the table in the architecture guide
// (type:* decides which layers a project may use, scope:* keeps the bot, the ml-api and the
// exporter apart). There is deliberately no `*` rule: every tag is spelled out, so a project with a
// missing or misspelt tag fails lint instead of being let through. tools/workspace proves each rule
// with a forbidden import.
import nx from '@nx/eslint-plugin';
import { builtinModules } from 'node:module';

const TEST_FILES = ['**/*.test.ts', '**/test/**/*.ts', '**/bench/**/*.ts', '**/vitest.config.ts'];

/** Constraints by layer, shared by production and test files. */
const layerConstraints = (allowTesting) => {
  const testing = allowTesting ? ['type:testing'] : [];
  return [
    { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:contract', 'type:adapter', 'type:observability', ...testing] },
    { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:domain', 'type:contract', 'type:observability', ...testing] },
    { sourceTag: 'type:observability', onlyDependOnLibsWithTags: ['type:observability', 'type:domain', ...testing] },
    { sourceTag: 'type:contract', onlyDependOnLibsWithTags: ['type:contract', ...testing], allowedExternalImports: allowTesting ? ['zod', 'vitest'] : ['zod'] },
    // The domain imports no npm package in production code; its tests may use vitest and the testing lib.
    { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', ...testing], allowedExternalImports: allowTesting ? ['vitest'] : [] },
    { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:domain', 'type:contract', 'type:testing'] },
  ];
};

const scopeConstraints = [
  { sourceTag: 'scope:bot', onlyDependOnLibsWithTags: ['scope:bot', 'scope:shared'], bannedExternalImports: ['onnxruntime-*'] },
  { sourceTag: 'scope:ml', onlyDependOnLibsWithTags: ['scope:ml', 'scope:shared'], bannedExternalImports: ['grammy', '@grammyjs/*'] },
  { sourceTag: 'scope:metrics', onlyDependOnLibsWithTags: ['scope:metrics', 'scope:shared'], bannedExternalImports: ['grammy', '@grammyjs/*'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'], bannedExternalImports: ['grammy', '@grammyjs/*'] },
  // Developer tools (eval, benchmarks, workspace checks) may drive any scope, but never import grammy.
  { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:bot', 'scope:ml', 'scope:metrics', 'scope:shared', 'scope:tools'] },
];

const boundaryRule = (allowTesting) => [
  'error',
  {
    enforceBuildableLibDependency: false,
    allow: [],
    // The one allowed cycle: the testing lib implements the domain's ports, and the domain's own
    // tests use those fakes. Production domain code still may not import the testing lib (the
    // type:domain constraint below forbids it), so this only lets domain *tests* close the loop.
    ignoredCircularDependencies: [['domain', 'testing']],
    // Nx reports only the first violated constraint of an import. Scopes go first so that a
    // cross-scope import (a shared lib reaching into the bot) is reported as such, and every rule
    // has an import that proves it (tools/workspace/src/boundaries.test.ts).
    depConstraints: [...scopeConstraints, ...layerConstraints(allowTesting)],
  },
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: ['**/dist', '**/node_modules', '**/.nx', '**/reports', '**/tmp', '**/fixtures/generated', 'apps/bot/src/edge/deno-deps/**'],
  },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'],
    rules: {
      '@nx/enforce-module-boundaries': boundaryRule(false),
    },
  },
  {
    // typescript-eslint rules only where the typescript-eslint plugin is configured (TS sources).
    files: ['**/*.ts', '**/*.mts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: TEST_FILES,
    rules: {
      '@nx/enforce-module-boundaries': boundaryRule(true),
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The testing lib is test support code: same leniency as test files (its boundaries stay strict).
    files: ['libs/testing/src/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // Per-project vitest configs import the shared one from tools/ by relative path.
    files: ['**/vitest.config.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    // Node built-ins are invisible to the project graph, so the domain's "no node:*" rule is spelled here.
    files: ['libs/domain/src/**/*.ts'],
    ignores: TEST_FILES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'The domain does no I/O: take it through a port instead of importing node built-ins.' },
          ],
          paths: builtinModules.map((name) => ({ name, message: 'The domain does no I/O: take it through a port instead of importing node built-ins.' })),
        },
      ],
      'no-restricted-globals': ['error', 'process', 'Buffer', 'setTimeout', 'setInterval', 'fetch', 'require'],
    },
  },
];
