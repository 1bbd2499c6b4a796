import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeDownloader } from './file-download';

describe('createNodeDownloader', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'docrag-dl-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads absolute paths of a local Bot API server from disk and fetches relative ones', async () => {
    const local = path.join(dir, 'doc.txt');
    writeFileSync(local, 'on disk');
    const server = createServer((req, res) => {
      res.writeHead(req.url === '/file/bot1:T/documents/a.txt' ? 200 : 404).end('over http');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const download = createNodeDownloader(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, '1:T');
    try {
      expect(new TextDecoder().decode(await download(local))).toBe('on disk');
      expect(new TextDecoder().decode(await download('documents/a.txt'))).toBe('over http');
      await expect(download('documents/missing.txt')).rejects.toMatchObject({ detail: { code: 'dependency_unavailable', dependency: 'telegram' } });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
