import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBeir } from './beir';
import { evaluateBeir } from './pipeline';
import { sharedDir } from './scifact';
import { loadTokenCounter } from './token-counter';

/**
 * Quality gate: the weightless default (BM25 sparse, embedded store) must keep nDCG@10 >= 0.69 on
 * SciFact through the real ingestion and retrieval paths. The data is CC BY-NC and lives in
 * ../shared; without it the gate cannot run and says so.
 */
const dataDir = path.join(sharedDir(), 'eval', 'scifact');
const tokenizerDir = path.join(sharedDir(), 'models', 'all-MiniLM-L6-v2-tokenizer');
const missing = [dataDir, tokenizerDir].find((p) => !existsSync(p));
const GATE = 0.69;

describe.skipIf(missing !== undefined)(`SciFact quality gate${missing ? ` (skipped: ${missing} is absent)` : ''}`, () => {
  it(`keeps nDCG@10 >= ${GATE} with BM25 on the embedded store`, async () => {
    const report = await evaluateBeir(loadBeir(dataDir), {
      store: 'memory',
      encoder: 'bm25',
      tokenCounter: loadTokenCounter(tokenizerDir),
    });
    console.log(`SciFact gate: nDCG@10=${report.ndcg10.toFixed(4)} Recall@100=${report.recall100.toFixed(4)} MRR@10=${report.mrr10.toFixed(4)} (${report.chunks} chunks, index ${report.indexSeconds.toFixed(1)} s)`);
    expect(report.queries).toBe(300);
    expect(report.documents).toBe(5183);
    expect(report.ndcg10).toBeGreaterThanOrEqual(GATE);
    expect(report.recall100).toBeGreaterThan(0.85);
  }, 240_000);
});
