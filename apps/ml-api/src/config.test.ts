import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configSchema, loadConfig, modelDirs, secretKeys } from './config';

describe('loadConfig', () => {
  it('has the documented defaults (ports, batching of the original service)', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 8000,
      METRICS_PORT: 9465,
      METRICS_ENABLED: true,
      ML_DEVICE: 'auto',
      EMBED_MAX_BATCH_SIZE: 32,
      EMBED_MAX_WAIT_MS: 10,
      RERANK_MAX_BATCH_SIZE: 16,
      RERANK_MAX_WAIT_MS: 20,
      EMBED_POOLING: 'mean',
    });
    expect(modelDirs(config)).toEqual({ embed: 'models/all-MiniLM-L6-v2', rerank: 'models/ms-marco-MiniLM-L-12-v2' });
  });

  it('treats empty strings as unset and parses booleans and numbers', () => {
    const config = loadConfig({ PORT: '', METRICS_ENABLED: 'false', EMBED_MAX_BATCH_SIZE: '8', MODEL_DIR: '/m/' });
    expect(config.PORT).toBe(8000);
    expect(config.METRICS_ENABLED).toBe(false);
    expect(config.EMBED_MAX_BATCH_SIZE).toBe(8);
    expect(modelDirs(config).embed).toBe('/m/all-MiniLM-L6-v2');
  });

  it('fails fast naming the variable', () => {
    expect(() => loadConfig({ ML_DEVICE: 'tpu' })).toThrow(/ML_DEVICE/);
    expect(() => loadConfig({ EMBED_MODEL_SHA256: 'abc' })).toThrow(/EMBED_MODEL_SHA256: must be a sha256/);
    expect(() => loadConfig({ EMBED_MODEL_URL: 'not a url' })).toThrow(/EMBED_MODEL_URL/);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(ConfigError);
    expect(() => loadConfig({ EMBED_MAX_BATCH_TOKENS: '100' })).toThrow(/EMBED_MAX_BATCH_TOKENS: must be at least EMBED_MAX_LENGTH/);
    expect(() => loadConfig({ MAX_QUEUE_ITEMS: '10' })).toThrow(/MAX_QUEUE_ITEMS/);
  });

  it('describes every variable and lists the secrets', () => {
    for (const [key, schema] of Object.entries(configSchema.shape)) {
      expect(key).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(schema.description, key).toBeTruthy();
    }
    expect(secretKeys).toContain('ML_API_KEY');
  });
});

describe('docs/ml-api.md', () => {
  it('documents every variable with its default', () => {
    const docs = readFileSync(path.resolve(import.meta.dirname, '../../../docs/ml-api.md'), 'utf8');
    const defaults = loadConfig({}) as Record<string, unknown>;
    for (const key of Object.keys(configSchema.shape)) {
      const line = docs.split('\n').find((l) => l.startsWith(`| \`${key}\` |`));
      expect(line, `${key} missing from the configuration table`).toBeDefined();
      const value = defaults[key];
      expect(line, key).toContain(value === undefined ? '(unset)' : `\`${String(value)}\``);
    }
  });
});
