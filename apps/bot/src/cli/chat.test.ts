/**
 * `npm run chat`: the REPL core in memory (streaming, errors), then the real entry driven through
 * piped stdin on a temporary embedded store, with an OpenAI-compatible server for the answers.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OwnerId, makeAnswerQuestion, makeIngestDocument } from '@docrag/domain';
import { FakeClock, FakeEmbedder, FakeGenerator, FakeParsers, InMemoryChatHistory, InMemoryFileRegistry, InMemoryVectorStore, sha256Hasher } from '@docrag/testing';
import { createChatRepl } from './chat-repl';
import { startSseLlm } from '../../test/support/sse-llm';
import type { SseLlm } from '../../test/support/sse-llm';

const root = path.resolve(import.meta.dirname, '../../../..');
const NOTES = '# Fusion notes\n\nReciprocal rank fusion adds 1/(k + rank) for every ranked list it merges.\n\n## BM25\n\nBM25 weighs terms by frequency and rarity.\n';

describe('chat REPL core', () => {
  function repl(generator = new FakeGenerator({ script: ['Fusion ', 'adds ', '1/(k + rank) ', '[Source 1].'] })) {
    const clock = new FakeClock();
    const store = new InMemoryVectorStore();
    const registry = new InMemoryFileRegistry();
    const history = new InMemoryChatHistory();
    const embedder = new FakeEmbedder({ dimension: 0 });
    const writes: string[] = [];
    const files = new Map([['notes.md', new TextEncoder().encode(NOTES)]]);
    const chat = createChatRepl({
      ownerId: OwnerId.user('local'),
      chatKey: 'cli:test',
      answerQuestion: makeAnswerQuestion({ embedder, store, generator, history, clock }),
      ingestDocument: makeIngestDocument({ parsers: new FakeParsers(), embedder, store, registry, hasher: sha256Hasher, clock, tokenCounter: { count: (t) => t.split(/\s+/).length } }),
      store,
      registry,
      history,
      readFile: async (p) => {
        const bytes = files.get(p);
        if (!bytes) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
        return bytes;
      },
      write: (t) => writes.push(t),
    });
    return { chat, writes, text: () => writes.join('') };
  }

  it('streams an answer piece by piece and lists its citations', async () => {
    const { chat, writes, text } = repl();
    await chat.handle(':ingest notes.md');
    const before = writes.length;
    await chat.handle('What does fusion add?');
    const answerWrites = writes.slice(before);
    expect(answerWrites.slice(0, 4)).toEqual(['Fusion ', 'adds ', '1/(k + rank) ', '[Source 1].']);
    expect(text()).toMatch(/Sources:\n {2}\[1\] notes\.md — Fusion notes/);
  });

  it('words failures like the bot does, never with a stack', async () => {
    const { chat, text } = repl(new FakeGenerator({ failWith: new Error('boom at Object.<anonymous> (x.ts:1:1)') }));
    await chat.handle(':ingest notes.md');
    await chat.handle('What does fusion add?');
    await chat.handle(':ingest nope.md');
    await chat.handle(':frobnicate');
    expect(text()).toContain('Something went wrong on my side');
    expect(text()).toContain('Cannot read nope.md: no such file');
    expect(text()).toContain('Unknown command :frobnicate. Type :help.');
    expect(text()).not.toMatch(/\n\s+at /);
  });

  it('quits on :quit', async () => {
    expect(await repl().chat.handle(':quit')).toBe('quit');
  });
});

describe('npm run chat (piped stdin)', () => {
  let llm: SseLlm;
  let dir: string;
  beforeAll(async () => {
    llm = await startSseLlm({ pieces: ['Fusion adds ', '1/(k + rank) ', 'per list [Source 1].'] });
    dir = mkdtempSync(path.join(tmpdir(), 'docrag-chat-'));
    writeFileSync(path.join(dir, 'notes.md'), NOTES);
  });
  afterAll(async () => {
    await llm.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function run(input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      // tsx as a loader in this one process (the tsx CLI would add a wrapper process).
      const child = spawn(process.execPath, ['--import', 'tsx', 'apps/bot/src/cli/chat.ts'], {
        cwd: root,
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: process.env['HOME'] ?? '/tmp',
          TSX_TSCONFIG_PATH: path.join(root, 'tsconfig.base.json'),
          DATA_DIR: path.join(dir, 'data'),
          OPENAI_API_KEY: 'sk-chat',
          OPENAI_BASE_URL: llm.url,
          OTEL_SDK_DISABLED: 'true',
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += String(d)));
      child.stderr.on('data', (d) => (stderr += String(d)));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(input);
    });
  }

  it('ingests, lists, answers with citations, follows up with history, shows sources and deletes', async () => {
    const notes = path.join(dir, 'notes.md');
    const { code, stdout, stderr } = await run(
      [`:ingest ${notes}`, `:ingest ${notes}`, ':files', 'What does reciprocal rank fusion add?', 'And for BM25?', ':sources', ':delete notes.md', ':files', ':quit', 'never read'].join('\n'),
    );
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Indexed notes\.md: \d+ chunks/);
    expect(stdout).toContain('notes.md is already indexed');
    expect(stdout).toMatch(/1\. notes\.md {2}markdown, \d+ B, \d+ chunks/);
    expect(stdout).toContain('Fusion adds 1/(k + rank) per list [Source 1].');
    expect(stdout).toMatch(/Sources:\n {2}\[1\] notes\.md — Fusion notes/);
    expect(stdout).toMatch(/\[1\] notes\.md — Fusion notes {2}score [\d.]+ {2}\(cited\)/);
    expect(stdout).toMatch(/Deleted notes\.md \(\d+ chunks\)\.\nNo documents yet/);
    // The answer prompt carried the document; the follow-up was condensed with the first question.
    const prompts = llm.requests.map((r) => JSON.stringify(r.messages ?? []));
    expect(prompts.some((p) => p.includes('Reciprocal rank fusion adds 1/(k + rank)'))).toBe(true);
    expect(prompts.some((p) => p.includes('And for BM25?') && p.includes('What does reciprocal rank fusion add?'))).toBe(true);
  }, 90_000);
});
