/**
 * Downloads an uploaded file. A self-hosted Bot API server started with `--local` (needed for
 * files over 20 MB, up to 2 GB) answers getFile with an absolute path on its own disk instead of
 * serving the file over HTTP (https://github.com/tdlib/telegram-bot-api#usage), so such paths are
 * read from disk — the bot must share that volume. Other paths go through the file endpoint.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createFetchDownloader } from '../features/upload.composer';

export function createNodeDownloader(apiRoot: string, token: string): (filePath: string, signal?: AbortSignal) => Promise<Uint8Array> {
  const overHttp = createFetchDownloader(apiRoot, token);
  return async (filePath, signal) => {
    if (path.isAbsolute(filePath)) return new Uint8Array(await readFile(filePath, signal ? { signal } : {}));
    return overHttp(filePath, signal);
  };
}
