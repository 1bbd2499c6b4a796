import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * House rule: the vendor SDK lives in one file. Every other file of this library talks to Qdrant
 * through the `QdrantApi` interface, so a change of SDK touches qdrant-api.ts only.
 */
describe('vendor boundary', () => {
  it('imports @qdrant/js-client-rest from qdrant-api.ts only', () => {
    const root = path.resolve(import.meta.dirname, '..');
    const files = ['src', 'scripts', 'test'].flatMap((dir) =>
      readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts') && !f.endsWith('vendor-boundary.test.ts'))
        .map((f) => path.join(dir, f)),
    );
    expect(files.length).toBeGreaterThan(5);
    const importers = files.filter((f) => /from\s+['"]@qdrant\/js-client-rest['"]/.test(readFileSync(path.join(root, f), 'utf8')));
    expect(importers).toEqual([path.join('src', 'qdrant-api.ts')]);
  });
});
