/** The compose interpolation the checks use where docker-compose is not installed. */
import { describe, expect, it } from 'vitest';
import { interpolate, interpolateDeep, parseDotenv } from './support/compose';

describe('interpolate', () => {
  const env = { SET: 'value', EMPTY: '' };

  it('follows the Compose spec for defaults: ":-" covers unset and empty, "-" only unset', () => {
    expect(interpolate('${SET:-d} ${EMPTY:-d} ${UNSET:-d}', env).value).toBe('value d d');
    expect(interpolate('${SET-d} ${EMPTY-d} ${UNSET-d}', env).value).toBe('value  d');
    expect(interpolate('$SET/${SET}', env).value).toBe('value/value');
    expect(interpolate('$${SET} costs $$5', env).value).toBe('${SET} costs $5');
  });

  it('fails on a missing required variable with its message, unless a placeholder is asked for', () => {
    expect(() => interpolate('${EMPTY:?set EMPTY please}', env)).toThrow(/EMPTY is missing a value: set EMPTY please/);
    expect(interpolate('${EMPTY?set it}', env).value).toBe('');
    expect(interpolate('${UNSET:?x}', env, (name) => `<${name}>`).value).toBe('<UNSET>');
  });

  it('reports every reference and whether compose requires it', () => {
    expect(interpolate('${A:-x}${B:?y}$C', {}, () => '').refs).toEqual([
      { name: 'A', required: false },
      { name: 'B', required: true },
      { name: 'C', required: false },
    ]);
  });

  it('interpolates values deep in a document but never keys', () => {
    expect(interpolateDeep({ '${K}': ['${SET}', { n: 1, s: '${UNSET:-d}' }] }, env)).toEqual({ '${K}': ['value', { n: 1, s: 'd' }] });
  });
});

describe('parseDotenv', () => {
  it('reads KEY=VALUE lines, strips quotes and comments, keeps = inside values', () => {
    expect(parseDotenv('# c\nA=1\n\nB="two words"\nC=\'x\'\nD=a=b\nE=\n')).toEqual({ A: '1', B: 'two words', C: 'x', D: 'a=b', E: '' });
  });

  it('names a malformed line', () => {
    expect(() => parseDotenv('JUST_A_WORD')).toThrow(/without KEY=VALUE: "JUST_A_WORD"/);
  });
});
