/**
 * The ml-api image's model fetcher, driven against a local HTTP server: it must download what is
 * missing, accept only files matching their sha256 pin, and say which file is wrong when one is not.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs script without type declarations; it runs before the app exists
import { ensureModels, loadPins } from '../docker/fetch-models.mjs';

interface Entry { name: string; url?: string; file?: string; dest: string; sha256: string; bytes: number }
const ensure = ensureModels as (o: { dir: string; entries: Entry[]; mode?: string; timeoutMs?: number; sourceDir?: string }) => Promise<string[]>;
const pinsOf = loadPins as (file: string, variant: string) => Entry[];

const payload = Buffer.from('not really an onnx graph, but bytes with a known hash');
const sha = createHash('sha256').update(payload).digest('hex');
let server: Server;
let base = '';
let requests = 0;
let dir = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    if (req.url === '/model.onnx') res.end(payload);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = mkdtempSync(path.join(tmpdir(), 'docrag-models-'));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const entry = (over: Partial<Entry> = {}): Entry => ({
  name: 'embedder',
  url: `${base}/model.onnx`,
  dest: 'm/model.onnx',
  sha256: sha,
  bytes: payload.length,
  ...over,
});

describe('fetch-models', () => {
  it('downloads a missing file, then only verifies it on the next start', async () => {
    const first = await ensure({ dir, entries: [entry()] });
    expect(first[0]).toMatch(/^embedder: downloaded m\/model.onnx/);
    expect(readFileSync(path.join(dir, 'm/model.onnx')).equals(payload)).toBe(true);
    const before = requests;
    const second = await ensure({ dir, entries: [entry()] });
    expect(second[0]).toMatch(/^embedder: verified/);
    expect(requests).toBe(before);
  });

  it('deletes a downloaded file whose hash differs from the pin and names it', async () => {
    const bad = entry({ dest: 'bad/model.onnx', sha256: 'a'.repeat(64) });
    await expect(ensure({ dir, entries: [bad] })).rejects.toThrow(/embedder: .*bad\/model.onnx does not match its pin/);
    expect(existsSync(path.join(dir, 'bad/model.onnx'))).toBe(false);
  });

  it('keeps an operator-mounted file that fails the pin but refuses to start', async () => {
    writeFileSync(path.join(dir, 'mounted.onnx'), 'tampered');
    await expect(ensure({ dir, entries: [entry({ dest: 'mounted.onnx' })] })).rejects.toThrow(/size 8, expected/);
    expect(existsSync(path.join(dir, 'mounted.onnx'))).toBe(true);
  });

  it('fails with MODEL_FETCH=never when a file is missing, and on HTTP errors', async () => {
    await expect(ensure({ dir, entries: [entry({ dest: 'never/x.onnx' })], mode: 'never' })).rejects.toThrow(/missing and MODEL_FETCH=never/);
    await expect(ensure({ dir, entries: [entry({ dest: 'e/x.onnx', url: `${base}/nope` })] })).rejects.toThrow(/HTTP 404/);
  });

  it('copies files shipped in the image and checks them against their pin too', async () => {
    writeFileSync(path.join(dir, 'tok.json'), payload);
    const copied = await ensure({ dir: path.join(dir, 'cache'), entries: [entry({ url: undefined, file: 'tok.json', dest: 'm/tokenizer.json' })], sourceDir: dir });
    expect(copied[0]).toMatch(/copied m\/tokenizer.json/);
    expect(readFileSync(path.join(dir, 'cache/m/tokenizer.json')).equals(payload)).toBe(true);
    writeFileSync(path.join(dir, 'bad.json'), 'other bytes');
    await expect(ensure({ dir: path.join(dir, 'cache'), entries: [entry({ url: undefined, file: 'bad.json', dest: 'n/tokenizer.json' })], sourceDir: dir })).rejects.toThrow(/does not match its pin/);
    expect(existsSync(path.join(dir, 'cache/n/tokenizer.json'))).toBe(false);
  });

  it('ships pins that are well-formed, lay files out as the ml-api expects, and match the published READMEs', () => {
    const pinsFile = path.join(import.meta.dirname, '../docker/models.json');
    const repo = path.join(import.meta.dirname, '../..');
    for (const variant of ['int8', 'fp32']) {
      const entries = pinsOf(pinsFile, variant);
      // The ml-api's default model folders are MODEL_DIR/<EMBED_MODEL_NAME | RERANK_MODEL_NAME>.
      expect(entries.map((e) => e.dest).sort()).toEqual([
        'all-MiniLM-L6-v2/model.onnx',
        'all-MiniLM-L6-v2/tokenizer.json',
        'ms-marco-MiniLM-L-12-v2/model.onnx',
        'ms-marco-MiniLM-L-12-v2/tokenizer.json',
      ]);
      for (const e of entries.filter((x) => x.file)) {
        const bytes = readFileSync(path.join(repo, e.file!));
        expect(createHash('sha256').update(bytes).digest('hex'), e.file).toBe(e.sha256);
        expect(bytes.length).toBe(e.bytes);
      }
    }
    expect(() => pinsOf(pinsFile, 'fp16')).toThrow(/MODEL_VARIANT="fp16" is not in .* \(known: int8, fp32\)/);
    // The pins are copied from shared/models/*/README.md; re-check them when that folder is beside the repo.
    const shared = path.join(import.meta.dirname, '../../../shared/models');
    if (!existsSync(shared)) return;
    const readmes = ['all-MiniLM-L6-v2-tokenizer', 'ms-marco-MiniLM-L-12-v2-tokenizer']
      .map((d) => readFileSync(path.join(shared, d, 'README.md'), 'utf8'))
      .join('\n');
    for (const variant of ['int8', 'fp32']) {
      for (const e of pinsOf(pinsFile, variant).filter((x) => x.url)) {
        expect(readmes, `${variant}/${e.name} sha256`).toContain(e.sha256);
        expect(readmes.replace(/,/g, ''), `${variant}/${e.name} bytes`).toContain(String(e.bytes));
      }
    }
  });
});
