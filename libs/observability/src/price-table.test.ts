import { describe, expect, it } from 'vitest';
import { estimateCostUsd, findModelPrice, parsePriceTable } from './price-table';

describe('price table', () => {
  it('prices a dated snapshot like its family, preferring the longest prefix', () => {
    expect(findModelPrice('gpt-4o-mini-2024-07-18')).toEqual({ inputPerMillion: 0.15, outputPerMillion: 0.6 });
    expect(findModelPrice('gpt-4o-2024-08-06')?.inputPerMillion).toBe(2.5);
    expect(findModelPrice('llama-3-70b')).toBeUndefined();
  });

  it('estimates cost per million tokens and 0 for unknown models', () => {
    expect(estimateCostUsd('gpt-4o-mini', { inputTokens: 1_000_000, outputTokens: 500_000 })).toBeCloseTo(0.45, 10);
    expect(estimateCostUsd('unknown', { inputTokens: 10, outputTokens: 10 })).toBe(0);
  });

  it('merges a JSON table over the defaults and names the bad key', () => {
    const table = parsePriceTable('{"llama-3-70b": {"inputPerMillion": 0.5, "outputPerMillion": 0.7}}');
    expect(estimateCostUsd('llama-3-70b', { inputTokens: 2_000_000, outputTokens: 0 }, table)).toBeCloseTo(1, 10);
    expect(table['gpt-4o']).toBeDefined();
    expect(() => parsePriceTable('{"m": {"inputPerMillion": -1, "outputPerMillion": 1}}')).toThrow(/"m"/);
    expect(() => parsePriceTable('[1]')).toThrow(/object/);
    expect(() => parsePriceTable('{oops')).toThrow(/not valid JSON/);
  });
});
