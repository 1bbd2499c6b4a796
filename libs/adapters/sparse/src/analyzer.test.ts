import { describe, expect, it } from 'vitest';
import { createAnalyzer, resolveLanguage } from './analyzer';

describe('createAnalyzer', () => {
  const en = createAnalyzer('english');

  it('lowercases, drops stop words and stems with Snowball English', () => {
    expect(en.terms('The Running of the Bulls is generalized')).toEqual(['run', 'bull', 'general']);
  });

  it('treats punctuation as separators and keeps digits', () => {
    expect(en.terms('IL-6, TNF & p53 (2019)')).toEqual(['il', '6', 'tnf', 'p53', '2019']);
  });

  it('keeps apostrophes inside words for stop words and possessives', () => {
    expect(en.terms("don't touch the cell's wall")).toEqual(['touch', 'cell', 'wall']);
    expect(en.terms('it’s fine')).toEqual(['fine']);
  });

  it('indexes a lone Greek letter as its name, leaving Greek words alone', () => {
    expect(en.terms('TNF-α and β-blockers')).toEqual(en.terms('TNF-alpha and beta-blockers'));
    expect(en.terms('λόγος')).toEqual(['λόγος']);
  });

  it('handles Cyrillic with the Russian stemmer and stop list', () => {
    const ru = createAnalyzer('ru');
    expect(ru.language).toBe('russian');
    expect(ru.terms('Кошки и собаки')).toEqual(['кошк', 'собак']);
  });

  it('indexes CJK runs as character bigrams', () => {
    expect(en.terms('東京大学 tower')).toEqual(['東京', '京大', '大学', 'tower']);
    expect(en.terms('猫')).toEqual(['猫']);
  });

  it('keeps scripts with combining marks whole (Devanagari)', () => {
    expect(en.terms('नमस्ते दुनिया')).toEqual(['नमस्ते', 'दुनिया']);
  });

  it('drops absurdly long tokens', () => {
    expect(en.terms(`x${'a'.repeat(100)} ok`)).toEqual(['ok']);
  });

  it('resolves languages by name or ISO code, and rejects unknown ones clearly', () => {
    expect(resolveLanguage('EN-gb')).toBe('english');
    expect(resolveLanguage('German')).toBe('german');
    expect(() => resolveLanguage('klingon')).toThrow(/unknown stemmer language "klingon"/);
  });
});
