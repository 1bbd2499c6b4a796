/** The JS kustomize renderer's own edge cases (it stands in for kubectl where kubectl is missing). */
import { describe, expect, it } from 'vitest';
import { applyOp } from './support/kustomize';

describe('JSON 6902 operations', () => {
  it('adds, replaces and removes object members and array elements', () => {
    const doc: Record<string, unknown> = { spec: { list: [1, 2], map: { a: 1 } } };
    applyOp(doc, { op: 'add', path: '/spec/list/-', value: 3 });
    applyOp(doc, { op: 'add', path: '/spec/list/0', value: 0 });
    applyOp(doc, { op: 'replace', path: '/spec/map/a', value: { b: 2 } });
    applyOp(doc, { op: 'add', path: '/spec/map/x~1y', value: 'slash' });
    applyOp(doc, { op: 'remove', path: '/spec/list/1' });
    expect(doc).toEqual({ spec: { list: [0, 2, 3], map: { a: { b: 2 }, 'x/y': 'slash' } } });
  });

  it('refuses paths that do not exist instead of inventing them', () => {
    const doc: Record<string, unknown> = { spec: {} };
    expect(() => applyOp(doc, { op: 'add', path: '/spec/template/spec/nodeSelector', value: {} })).toThrow(/"template" does not exist/);
    expect(() => applyOp(doc, { op: 'replace', path: '/spec/missing', value: 1 })).toThrow(/nothing to replace/);
    expect(() => applyOp({ l: [1] }, { op: 'replace', path: '/l/3', value: 1 })).toThrow(/bad array index/);
  });

  it('copies values so one patch applied to several objects does not alias them', () => {
    const value = { key: 'nvidia.com/gpu' };
    const a: Record<string, unknown> = {};
    const b: Record<string, unknown> = {};
    applyOp(a, { op: 'add', path: '/t', value });
    applyOp(b, { op: 'add', path: '/t', value });
    expect(a['t']).not.toBe(b['t']);
  });
});
