/**
 * Proves every module-boundary rule of eslint.config.mjs: each case lints a forbidden import as if
 * it were a file of a real project and expects that rule's specific error; the allowed cases
 * expect none. The nx rule reads the cached project graph, which `nx show projects` writes.
 */
import { execFileSync } from 'node:child_process';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { nxEnv, workspaceRoot } from './workspace-root';

const NX_RULE = '@nx/enforce-module-boundaries';
let eslint: ESLint;

beforeAll(() => {
  execFileSync('npx', ['nx', 'show', 'projects'], { cwd: workspaceRoot, env: nxEnv, stdio: 'pipe' });
  eslint = new ESLint({ cwd: workspaceRoot });
}, 120_000);

async function lint(filePath: string, code: string): Promise<{ ruleId: string | null; message: string }[]> {
  const [result] = await eslint.lintText(code, { filePath: `${workspaceRoot}/${filePath}` });
  return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => ({ ruleId: m.ruleId, message: m.message }));
}

interface Case {
  readonly rule: string;
  readonly file: string;
  readonly code: string;
  readonly ruleId: string;
  readonly message: RegExp;
}

const forbidden: Case[] = [
  {
    rule: 'the domain imports no npm package',
    file: 'libs/domain/src/__probe__.ts',
    code: "import { z } from 'zod';\nexport const schema = z.string();\n",
    ruleId: NX_RULE,
    message: /type:domain.*not allowed to import "zod"/,
  },
  {
    rule: 'the domain imports no node:* built-in',
    file: 'libs/domain/src/__probe__.ts',
    code: "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
    ruleId: 'no-restricted-imports',
    message: /domain does no I\/O/,
  },
  {
    rule: 'the domain imports no bare built-in either',
    file: 'libs/domain/src/logic/__probe__.ts',
    code: "import { createHash } from 'crypto';\nexport const hash = createHash;\n",
    ruleId: 'no-restricted-imports',
    message: /domain does no I\/O/,
  },
  {
    rule: 'the bot scope never imports onnxruntime',
    file: 'apps/bot/src/__probe__.ts',
    code: "import * as ort from 'onnxruntime-node';\nexport const runtime = ort;\n",
    ruleId: NX_RULE,
    message: /scope:bot.*not allowed to import "onnxruntime-node"/,
  },
  {
    rule: 'a bot-scope library never imports onnxruntime',
    file: 'libs/adapters/llm/src/__probe__.ts',
    code: "import * as ort from 'onnxruntime-common';\nexport const runtime = ort;\n",
    ruleId: NX_RULE,
    message: /scope:bot.*not allowed to import "onnxruntime-common"/,
  },
  {
    rule: 'the ml scope never imports grammy',
    file: 'apps/ml-api/src/__probe__.ts',
    code: "import { Bot } from 'grammy';\nexport const bot = Bot;\n",
    ruleId: NX_RULE,
    message: /scope:ml.*not allowed to import "grammy"/,
  },
  {
    rule: 'the metrics scope never imports grammy',
    file: 'apps/metrics-exporter/src/__probe__.ts',
    code: "import { Bot } from 'grammy';\nexport const bot = Bot;\n",
    ruleId: NX_RULE,
    message: /scope:metrics.*not allowed to import "grammy"/,
  },
  {
    rule: 'the metrics scope never imports grammY plugins',
    file: 'apps/metrics-exporter/src/__probe__.ts',
    code: "import { run } from '@grammyjs/runner';\nexport const runner = run;\n",
    ruleId: NX_RULE,
    message: /scope:metrics.*not allowed to import "@grammyjs\/runner"/,
  },
  {
    rule: 'an adapter never imports another adapter',
    file: 'libs/adapters/qdrant/src/__probe__.ts',
    code: "import { createBm25SparseEncoder } from '@docrag/sparse';\nexport const encoder = createBm25SparseEncoder;\n",
    ruleId: NX_RULE,
    message: /type:adapter" can only depend on libs tagged with "type:domain", "type:contract", "type:observability"/,
  },
  {
    rule: 'the contract imports no npm package but zod',
    file: 'libs/ml-protocol/src/__probe__.ts',
    code: "import { Hono } from 'hono';\nexport const app = new Hono();\n",
    ruleId: NX_RULE,
    message: /type:contract.*not allowed to import "hono"/,
  },
  {
    rule: 'production code of an app never imports the testing lib',
    file: 'apps/bot/src/__probe__.ts',
    code: "import { FakeEmbedder } from '@docrag/testing';\nexport const embedder = new FakeEmbedder();\n",
    ruleId: NX_RULE,
    message: /type:app" can only depend on libs tagged with "type:domain", "type:contract", "type:adapter", "type:observability"$/,
  },
  {
    rule: 'production code of an adapter never imports the testing lib',
    file: 'libs/adapters/sqlite-store/src/__probe__.ts',
    code: "import { InMemoryVectorStore } from '@docrag/testing';\nexport const store = new InMemoryVectorStore();\n",
    ruleId: NX_RULE,
    message: /type:adapter" can only depend on libs tagged with/,
  },
  {
    rule: 'observability never imports an adapter',
    file: 'libs/observability/src/__probe__.ts',
    code: "import { createBm25SparseEncoder } from '@docrag/sparse';\nexport const encoder = createBm25SparseEncoder;\n",
    ruleId: NX_RULE,
    message: /type:observability" can only depend on libs tagged with "type:observability", "type:domain"/,
  },
  {
    rule: 'a scope:shared library never imports a scope:bot library',
    file: 'libs/observability/src/__probe__.ts',
    code: "import * as llm from '@docrag/llm';\nexport const generator = llm;\n",
    ruleId: NX_RULE,
    message: /scope:shared" can only depend on libs tagged with "scope:shared"/,
  },
  {
    rule: 'the ml-api never imports a bot-scope library',
    file: 'apps/ml-api/src/__probe__.ts',
    code: "import * as parsers from '@docrag/parsers';\nexport const all = parsers;\n",
    ruleId: NX_RULE,
    message: /scope:ml" can only depend on libs tagged with "scope:ml", "scope:shared"/,
  },
  {
    rule: 'the domain never imports the testing lib from production code',
    file: 'libs/domain/src/__probe__.ts',
    code: "import { FakeClock } from '@docrag/testing';\nexport const clock = new FakeClock();\n",
    ruleId: NX_RULE,
    message: /type:domain" can only depend on libs tagged with "type:domain"$/,
  },
];

const allowed: { readonly why: string; readonly file: string; readonly code: string }[] = [
  {
    why: 'the bot uses the domain, adapters, observability and grammy',
    file: 'apps/bot/src/__probe__.ts',
    code: "import { Bot } from 'grammy';\nimport { OwnerId } from '@docrag/domain';\nimport * as llm from '@docrag/llm';\nimport * as obs from '@docrag/observability';\nexport const all = [Bot, OwnerId, llm, obs];\n",
  },
  {
    why: 'a bot test may use the testing lib',
    file: 'apps/bot/src/__probe__.test.ts',
    code: "import { FakeEmbedder } from '@docrag/testing';\nexport const embedder = new FakeEmbedder();\n",
  },
  {
    why: 'the ml-api uses onnxruntime through its adapter and the contract',
    file: 'apps/ml-api/src/__probe__.ts',
    code: "import * as onnx from '@docrag/onnx';\nimport * as protocol from '@docrag/ml-protocol';\nexport const all = [onnx, protocol];\n",
  },
  {
    why: 'an adapter uses the domain and its vendor SDK',
    file: 'libs/adapters/qdrant/src/__probe__.ts',
    code: "import { QdrantClient } from '@qdrant/js-client-rest';\nimport { RagError } from '@docrag/domain';\nexport const all = [QdrantClient, RagError];\n",
  },
  {
    why: 'the contract uses zod',
    file: 'libs/ml-protocol/src/__probe__.ts',
    code: "import { z } from 'zod';\nexport const schema = z.string();\n",
  },
  {
    why: 'domain tests use vitest and the testing lib',
    file: 'libs/domain/src/__probe__.test.ts',
    code: "import { it } from 'vitest';\nimport { FakeClock } from '@docrag/testing';\nit('runs', () => new FakeClock());\n",
  },
];

describe('module boundaries', () => {
  it.each(forbidden)('forbids: $rule', async ({ file, code, ruleId, message }) => {
    const errors = await lint(file, code);
    const hit = errors.find((e) => e.ruleId === ruleId && message.test(e.message));
    expect(hit, `expected ${ruleId} ${message} in ${JSON.stringify(errors)}`).toBeDefined();
  });

  it.each(allowed)('allows: $why', async ({ file, code }) => {
    const errors = await lint(file, code);
    expect(errors.filter((e) => e.ruleId === NX_RULE || e.ruleId === 'no-restricted-imports')).toEqual([]);
  });
});
