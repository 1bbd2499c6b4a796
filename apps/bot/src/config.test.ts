import { ANSWER_DEFAULTS, CHUNKING_DEFAULTS, INGEST_DEFAULTS } from '@docrag/domain';
import { describe, expect, it } from 'vitest';
import { ConfigError, configSchema, loadConfig, redactConfig, secretKeys } from './config';

const base = { TELEGRAM_TOKEN: '123456:ABC-def_ghi', ALLOWED_USER_IDS: '42, 43' };

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig(base);
    expect(c.ALLOWED_USER_IDS).toEqual([42, 43]);
    expect(c.BOT_MODE).toBe('polling');
    expect(c.WEBHOOK_PORT).toBe(8443);
    expect(c.WEBHOOK_PATH).toBe('/telegram');
    expect(c.METRICS_PORT).toBe(9464);
    expect(c.MAX_FILE_MB).toBe(10);
    expect(c.MAX_HISTORY_TURNS).toBe(3);
    expect(c.EMBEDDING_CACHE_SIZE).toBe(1000);
    expect(c.GROUP_POLICY).toBe('mention');
    expect(c.DATA_DIR).toBe('.data');
    expect(c.ML_API_URL).toBeUndefined();
    expect(c.TELEGRAM_API_ROOT).toBe('https://api.telegram.org');
  });

  it('refuses to run open and says how to allow it', () => {
    expect(() => loadConfig({ TELEGRAM_TOKEN: base.TELEGRAM_TOKEN })).toThrow(/refusing to run open.*ALLOW_ALL_USERS=true/s);
    expect(loadConfig({ TELEGRAM_TOKEN: base.TELEGRAM_TOKEN, ALLOW_ALL_USERS: 'true' }).ALLOW_ALL_USERS).toBe(true);
  });

  it('names the missing or bad variable', () => {
    expect(() => loadConfig({ ALLOW_ALL_USERS: 'true' })).toThrow(/TELEGRAM_TOKEN/);
    try {
      loadConfig({ ...base, ALLOWED_CHAT_IDS: '-100, abc', MAX_FILE_MB: 'lots' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const vars = (e as ConfigError).problems.map((p) => p.variable);
      expect(vars).toEqual(expect.arrayContaining(['ALLOWED_CHAT_IDS', 'MAX_FILE_MB']));
      expect((e as Error).message).toMatch(/"abc" is not a Telegram id/);
    }
  });

  it('requires a secret and a URL for webhooks', () => {
    expect(() => loadConfig({ ...base, BOT_MODE: 'webhook' })).toThrow(/WEBHOOK_SECRET is required/);
    expect(() => loadConfig({ ...base, BOT_MODE: 'webhook', WEBHOOK_SECRET: 's3cret' })).toThrow(/WEBHOOK_URL is required/);
    expect(() => loadConfig({ ...base, BOT_MODE: 'webhook', WEBHOOK_SECRET: 'bad secret!' , WEBHOOK_URL: 'https://x.y/telegram'})).toThrow(/WEBHOOK_SECRET may hold/);
    const c = loadConfig({ ...base, BOT_MODE: 'webhook', WEBHOOK_SECRET: 's3cret', WEBHOOK_URL: 'https://x.y/telegram' });
    expect(c.WEBHOOK_URL).toBe('https://x.y/telegram');
  });

  it('treats empty strings as unset and parses booleans', () => {
    const c = loadConfig({ ...base, QDRANT_URL: '', METRICS_ENABLED: 'false', DROP_STALE_UPDATES: '0' });
    expect(c.QDRANT_URL).toBeUndefined();
    expect(c.METRICS_ENABLED).toBe(false);
    expect(c.DROP_STALE_UPDATES).toBe(false);
  });

  it('needs keywords for the keyword group policy', () => {
    expect(() => loadConfig({ ...base, GROUP_POLICY: 'keyword' })).toThrow(/GROUP_KEYWORDS/);
    expect(loadConfig({ ...base, GROUP_POLICY: 'keyword', GROUP_KEYWORDS: 'bot, docs' }).GROUP_KEYWORDS).toEqual(['bot', 'docs']);
  });

  it('describes every variable and redacts secrets', () => {
    for (const [key, schema] of Object.entries(configSchema.shape)) {
      expect(schema.description, key).toBeTruthy();
      expect(key).toMatch(/^[A-Z][A-Z0-9_]*$/);
    }
    const c = loadConfig({ ...base, OPENAI_API_KEY: 'sk-x' });
    const redacted = redactConfig(c);
    expect(redacted['TELEGRAM_TOKEN']).toBe('***');
    expect(redacted['OPENAI_API_KEY']).toBe('***');
    expect(JSON.stringify(redacted)).not.toContain('ABC-def');
    for (const key of secretKeys) expect(Object.keys(configSchema.shape)).toContain(key);
  });

  it('gives the question and ingestion limits the domain\'s defaults', () => {
    const c = loadConfig(base);
    expect(c.RETRIEVAL_LIMIT).toBe(ANSWER_DEFAULTS.retrievalLimit);
    expect(c.RERANK_TOP_K).toBe(ANSWER_DEFAULTS.rerankTopK);
    expect(c.MAX_HISTORY_TURNS).toBe(ANSWER_DEFAULTS.maxHistoryTurns);
    expect(c.CHUNK_PARENT_TOKENS).toBe(CHUNKING_DEFAULTS.parentTokens);
    expect(c.CHUNK_CHILD_TOKENS).toBe(CHUNKING_DEFAULTS.childTokens);
    expect(c.CHUNK_OVERLAP_TOKENS).toBe(CHUNKING_DEFAULTS.childOverlap);
    expect(c.EMBED_BATCH_SIZE).toBe(INGEST_DEFAULTS.embedBatchSize);
    // The numbers the README and the domain's docs quote.
    expect([c.RETRIEVAL_LIMIT, c.RERANK_TOP_K, c.MAX_HISTORY_TURNS]).toEqual([30, 5, 3]);
    expect([c.CHUNK_PARENT_TOKENS, c.CHUNK_CHILD_TOKENS, c.CHUNK_OVERLAP_TOKENS, c.EMBED_BATCH_SIZE]).toEqual([1200, 384, 64, 32]);
    expect(c.ANSWER_LOCK_TTL_MS).toBe(300_000);
    // Above one answer that hits every timeout in a row: condense, embed, rerank, generate, and Qdrant with its retries.
    expect(c.ANSWER_LOCK_TTL_MS).toBeGreaterThan(4 * c.HTTP_TIMEOUT + (c.QDRANT_RETRIES + 1) * c.QDRANT_TIMEOUT_MS);
  });

  it('parses non-default limits', () => {
    const c = loadConfig({
      ...base,
      RETRIEVAL_LIMIT: '50',
      RERANK_TOP_K: '8',
      MAX_HISTORY_TURNS: '0',
      CHUNK_PARENT_TOKENS: '800',
      CHUNK_CHILD_TOKENS: '200',
      CHUNK_OVERLAP_TOKENS: '100',
      EMBED_BATCH_SIZE: '128',
      ANSWER_LOCK_TTL_MS: '60000',
    });
    expect(c).toMatchObject({
      RETRIEVAL_LIMIT: 50,
      RERANK_TOP_K: 8,
      MAX_HISTORY_TURNS: 0,
      CHUNK_PARENT_TOKENS: 800,
      CHUNK_CHILD_TOKENS: 200,
      CHUNK_OVERLAP_TOKENS: 100,
      EMBED_BATCH_SIZE: 128,
      ANSWER_LOCK_TTL_MS: 60_000,
    });
  });

  it.each([
    ['RETRIEVAL_LIMIT', '0'],
    ['RETRIEVAL_LIMIT', '101'], // more than one /rerank request (MAX_RERANK_DOCUMENTS)
    ['RETRIEVAL_LIMIT', '2.5'],
    ['RERANK_TOP_K', '0'],
    ['RERANK_TOP_K', '21'],
    ['MAX_HISTORY_TURNS', '-1'],
    ['CHUNK_PARENT_TOKENS', '31'],
    ['CHUNK_PARENT_TOKENS', '8193'],
    ['CHUNK_CHILD_TOKENS', '15'],
    ['CHUNK_OVERLAP_TOKENS', '-1'],
    ['EMBED_BATCH_SIZE', '0'],
    ['EMBED_BATCH_SIZE', '129'], // more than one /embed request (MAX_TEXTS_PER_REQUEST)
    ['EMBED_BATCH_SIZE', 'many'],
    ['ANSWER_LOCK_TTL_MS', '9999'],
  ])('rejects %s=%s and names it', (variable, value) => {
    try {
      loadConfig({ ...base, [variable]: value });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems.map((p) => p.variable)).toEqual([variable]);
    }
  });

  it('rejects limits that contradict each other, with a message naming both variables', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ ...base, ...env });
        return [];
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).problems;
      }
    };
    expect(problems({ RETRIEVAL_LIMIT: '4' })).toEqual([
      { variable: 'RERANK_TOP_K', message: expect.stringMatching(/RERANK_TOP_K \(5\) cannot exceed RETRIEVAL_LIMIT \(4\)/) },
    ]);
    expect(problems({ RETRIEVAL_LIMIT: '5', RERANK_TOP_K: '5' })).toEqual([]);
    expect(problems({ CHUNK_CHILD_TOKENS: '1200' })).toEqual([
      { variable: 'CHUNK_CHILD_TOKENS', message: expect.stringMatching(/CHUNK_CHILD_TOKENS \(1200\) must be smaller than CHUNK_PARENT_TOKENS \(1200\)/) },
    ]);
    expect(problems({ CHUNK_PARENT_TOKENS: '300' })).toEqual([
      { variable: 'CHUNK_CHILD_TOKENS', message: expect.stringMatching(/CHUNK_CHILD_TOKENS \(384\) must be smaller than CHUNK_PARENT_TOKENS \(300\)/) },
    ]);
    expect(problems({ CHUNK_CHILD_TOKENS: '100' })).toEqual([
      { variable: 'CHUNK_OVERLAP_TOKENS', message: expect.stringMatching(/CHUNK_OVERLAP_TOKENS \(64\) must be at most half of CHUNK_CHILD_TOKENS \(100\)/) },
    ]);
    expect(problems({ CHUNK_CHILD_TOKENS: '128' })).toEqual([]);
    expect(problems({ CHUNK_CHILD_TOKENS: '4000', CHUNK_PARENT_TOKENS: '2000', CHUNK_OVERLAP_TOKENS: '2001' }).map((p) => p.variable)).toEqual([
      'CHUNK_CHILD_TOKENS',
      'CHUNK_OVERLAP_TOKENS',
    ]);
  });
});
