import { describe, expect, it } from 'vitest';
import { ConfigError, configSchema, loadConfig, secretKeys } from './config';

describe('metrics-exporter config', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 9466, HOST: '0.0.0.0', METRICS_ENABLED: true, GPU_STATS: 'auto', DATA_DIR: '.data', QDRANT_COLLECTIONS: [] });
    expect(config.QDRANT_URL).toBeUndefined();
    expect(config.BOT_METRICS_URL).toBeUndefined();
  });

  it('parses lists and urls', () => {
    const config = loadConfig({ QDRANT_URL: 'http://qdrant:6333/', QDRANT_COLLECTIONS: 'a, b,,', METRICS_ENABLED: 'false' });
    expect(config.QDRANT_URL).toBe('http://qdrant:6333');
    expect(config.QDRANT_COLLECTIONS).toEqual(['a', 'b']);
    expect(config.METRICS_ENABLED).toBe(false);
  });

  it('fails fast naming the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT/);
    expect(() => loadConfig({ GPU_STATS: 'maybe' })).toThrow(/GPU_STATS/);
    expect(() => loadConfig({ BOT_METRICS_URL: 'not a url' })).toThrow(/BOT_METRICS_URL: must be an absolute URL/);
  });

  it('describes every variable and lists its secrets', () => {
    for (const [key, schema] of Object.entries(configSchema.shape)) expect(schema.description, key).toBeTruthy();
    expect(secretKeys).toEqual(['QDRANT_API_KEY']);
  });
});
