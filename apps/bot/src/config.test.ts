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
});
