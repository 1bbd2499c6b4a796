import { describe, expect, it } from 'vitest';
import { termId } from './hash';

describe('termId (FNV-1a 32)', () => {
  it('matches the published FNV-1a test vectors', () => {
    // Vectors from the FNV reference test suite (isthe.com/chongo/src/fnv/test_fnv.c).
    expect(termId('')).toBe(0x811c9dc5);
    expect(termId('a')).toBe(0xe40c292c);
    expect(termId('foobar')).toBe(0xbf9cf968);
  });

  it('hashes UTF-8 bytes, so non-Latin terms are stable unsigned ids', () => {
    const id = termId('кошк');
    expect(id).toBe(termId('кошк'));
    expect(id).toBeGreaterThanOrEqual(0);
    expect(id).toBeLessThan(2 ** 32);
    expect(id).not.toBe(termId('кошка'));
  });
});
