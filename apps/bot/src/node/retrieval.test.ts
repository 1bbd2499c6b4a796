/**
 * The Node composition root spreads the configured limits into the use cases it builds: the real
 * adapters of a default install (embedded SQLite, in-process BM25, extractive answers, the vendored
 * tokenizer) with a non-default RERANK_TOP_K and chunk sizes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OwnerId, systemClock, type Source } from '@docrag/domain';
import { InMemoryChatHistory } from '@docrag/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { GARDEN_MD } from '../../test/support/documents';
import { loadConfig } from '../config';
import { silentLogger } from '../deps';
import { createRetrieval } from './retrieval';

const owner = OwnerId.user(42);
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});


async function indexAndAsk(env: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'docrag-retrieval-'));
  dirs.push(dir);
  const config = loadConfig({ TELEGRAM_TOKEN: '1:local', ALLOW_ALL_USERS: 'true', DATA_DIR: dir, ...env });
  const retrieval = await createRetrieval(config, { clock: systemClock, logger: silentLogger, history: new InMemoryChatHistory() });
  try {
    const { file } = await retrieval.ingestDocument({ ownerId: owner, name: 'garden.md', bytes: new TextEncoder().encode(GARDEN_MD) });
    const parents = await retrieval.store.getFileParents(owner, file.fileId);
    let sources: readonly Source[] = [];
    for await (const event of retrieval.answerQuestion({ ownerId: owner, chatKey: 'chat', question: 'How often is the compost turned in each bed?' })) {
      if (event.type === 'retrieved') sources = event.sources;
    }
    return { parents, sources };
  } finally {
    await retrieval.close();
  }
}

describe('createRetrieval', () => {
  it('builds the use cases with the configured RERANK_TOP_K and chunk sizes', async () => {
    const defaults = await indexAndAsk({});
    const tuned = await indexAndAsk({ RERANK_TOP_K: '2', RETRIEVAL_LIMIT: '10', CHUNK_PARENT_TOKENS: '80', CHUNK_CHILD_TOKENS: '32', CHUNK_OVERLAP_TOKENS: '8' });
    expect(defaults.sources.length).toBeGreaterThan(2);
    expect(tuned.sources.length).toBeGreaterThan(0);
    expect(tuned.sources.length).toBeLessThanOrEqual(2);
    expect(tuned.parents.length).toBeGreaterThan(defaults.parents.length);
    expect(Math.max(...tuned.parents.map((p) => p.tokenCount))).toBeLessThanOrEqual(80);
  }, 30_000);
});
