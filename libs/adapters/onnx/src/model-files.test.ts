import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ModelFileError, ensureModelFile, verifySha256 } from './model-files';

const payload = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31) % 251));
const sha = createHash('sha256').update(payload).digest('hex');
const wrong = 'f'.repeat(64);

/** Serves `payload` with Range support; `dropAfter` makes the next full response die midway. */
let dropAfter: number | undefined;
const ranges: (string | undefined)[] = [];
let server: Server;
let base: string;
let dir: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    ranges.push(req.headers.range);
    const match = /bytes=(\d+)-/.exec(req.headers.range ?? '');
    const start = match ? Number(match[1]) : 0;
    if (start >= payload.length) {
      res.writeHead(416).end();
      return;
    }
    const body = payload.subarray(start);
    res.writeHead(match ? 206 : 200, { 'content-length': body.length, ...(match ? { 'content-range': `bytes ${start}-${payload.length - 1}/${payload.length}` } : {}) });
    if (dropAfter !== undefined) {
      const cut = dropAfter;
      dropAfter = undefined;
      res.write(body.subarray(0, cut), () => res.destroy());
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'model-files-'));
  ranges.length = 0;
  return () => rmSync(dir, { recursive: true, force: true });
});

describe('ensureModelFile', () => {
  it('downloads, verifies the pin and renames into place', async () => {
    const dest = path.join(dir, 'model.onnx');
    const lines: string[] = [];
    await expect(ensureModelFile({ dest, url: `${base}/model.onnx`, sha256: sha, log: (l) => lines.push(l) })).resolves.toBe(sha);
    expect(readFileSync(dest).equals(payload)).toBe(true);
    expect(existsSync(`${dest}.partial`)).toBe(false);
    expect(lines.some((l) => l.includes('downloading'))).toBe(true);
  });

  it('fails with both hashes on a mismatch and leaves nothing behind', async () => {
    const dest = path.join(dir, 'model.onnx');
    const error = await ensureModelFile({ dest, url: `${base}/model.onnx`, sha256: wrong }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFileError);
    expect((error as Error).message).toContain(dest);
    expect((error as Error).message).toContain(`expected ${wrong}`);
    expect((error as Error).message).toContain(`got ${sha}`);
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.partial`)).toBe(false);
  });

  it('resumes an interrupted download with an HTTP Range request', async () => {
    const dest = path.join(dir, 'model.onnx');
    dropAfter = 100_000;
    await expect(ensureModelFile({ dest, url: `${base}/model.onnx`, sha256: sha })).rejects.toThrow(ModelFileError);
    expect(existsSync(dest)).toBe(false);
    const kept = readFileSync(`${dest}.partial`).length;
    expect(kept).toBeGreaterThan(0);
    await expect(ensureModelFile({ dest, url: `${base}/model.onnx`, sha256: sha })).resolves.toBe(sha);
    expect(ranges.at(-1)).toBe(`bytes=${kept}-`);
    expect(readFileSync(dest).equals(payload)).toBe(true);
  });

  it('rejects an existing file that does not match its pin, naming the file and both hashes', async () => {
    const dest = path.join(dir, 'model.onnx');
    writeFileSync(dest, payload);
    await expect(verifySha256(dest, wrong)).rejects.toThrow(`sha256 mismatch for ${dest}: expected ${wrong}, got ${sha}`);
    await expect(ensureModelFile({ dest, sha256: sha })).resolves.toBe(sha);
  });

  it('says so when the file is missing and no URL is set', async () => {
    await expect(ensureModelFile({ dest: path.join(dir, 'nope.onnx') })).rejects.toThrow(/does not exist and no download URL/);
  });

  it('reports HTTP errors', async () => {
    const failing: typeof fetch = async () => new Response('no', { status: 404, statusText: 'Not Found' });
    await expect(ensureModelFile({ dest: path.join(dir, 'm.onnx'), url: 'http://example.invalid/m.onnx', fetch: failing })).rejects.toThrow(/HTTP 404/);
  });
});
