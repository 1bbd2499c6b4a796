/**
 * Model files on disk: optional download on first start and sha256 pinning.
 *
 * Downloads go to `<file>.partial` and are resumed with an HTTP Range request after a crash or a
 * lost connection (a 90 MB model over a flaky link should not restart from zero). Only a file whose
 * sha256 matches the pin is renamed into place (rename is atomic within a folder), so the final
 * name never holds half a model, and a mismatching download is deleted.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, openSync, closeSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Start-up failure about a model file; the message names the file and what is wrong. */
export class ModelFileError extends Error {
  override readonly name = 'ModelFileError';
}

/** sha256 of a file, hex. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Throws `ModelFileError` naming the file and both hashes when the file does not match its pin. */
export async function verifySha256(file: string, expected: string | undefined): Promise<string> {
  const actual = await sha256File(file);
  if (expected && actual !== expected.toLowerCase()) {
    throw new ModelFileError(`sha256 mismatch for ${file}: expected ${expected.toLowerCase()}, got ${actual}`);
  }
  return actual;
}

export interface EnsureFileOptions {
  /** Where the file must end up. */
  readonly dest: string;
  /** Download source when `dest` is missing. */
  readonly url?: string;
  /** Pinned sha256 (hex). Checked for downloaded and for existing files. */
  readonly sha256?: string;
  readonly log?: (message: string) => void;
  /** Injectable for tests. */
  readonly fetch?: typeof fetch;
  /** Minimum milliseconds between progress lines (default 2000). */
  readonly progressEveryMs?: number;
  /** Extra request headers (e.g. a Hugging Face token). */
  readonly headers?: Record<string, string>;
}

/**
 * Makes sure `dest` exists and matches its pin, downloading it from `url` if needed.
 * @returns the file's sha256.
 * @throws ModelFileError when the file is missing with no URL, the download fails, or a hash differs.
 */
export async function ensureModelFile(options: EnsureFileOptions): Promise<string> {
  const { dest, url, log } = options;
  if (existsSync(dest)) return verifySha256(dest, options.sha256);
  if (!url) throw new ModelFileError(`${dest} does not exist and no download URL is configured`);
  mkdirSync(path.dirname(dest), { recursive: true });
  const partial = `${dest}.partial`;
  await download(url, partial, options);
  const actual = await sha256File(partial);
  const expected = options.sha256?.toLowerCase();
  if (expected && actual !== expected) {
    rmSync(partial, { force: true });
    throw new ModelFileError(`sha256 mismatch for ${dest} downloaded from ${url}: expected ${expected}, got ${actual}; the download was deleted`);
  }
  renameSync(partial, dest);
  log?.(`${path.basename(dest)}: ready (sha256 ${actual})`);
  return actual;
}

async function download(url: string, partial: string, options: EnsureFileOptions): Promise<void> {
  const doFetch = options.fetch ?? fetch;
  const log = options.log ?? (() => undefined);
  const have = existsSync(partial) ? statSync(partial).size : 0;
  const headers: Record<string, string> = { ...options.headers, ...(have > 0 ? { Range: `bytes=${have}-` } : {}) };
  let response: Response;
  try {
    response = await doFetch(url, { headers, redirect: 'follow' });
  } catch (error) {
    throw new ModelFileError(`download of ${url} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (response.status === 416 && have > 0) {
    // Range not satisfiable: the partial file is already complete (crash between download and rename).
    log(`${path.basename(partial)}: already complete (${have} bytes)`);
    return;
  }
  if (!response.ok || !response.body) {
    throw new ModelFileError(`download of ${url} failed: HTTP ${response.status} ${response.statusText}`);
  }
  // 206 = the server honoured the Range; 200 = it sent the whole file, so start over.
  const resumed = response.status === 206 && have > 0;
  const offset = resumed ? have : 0;
  const length = Number(response.headers.get('content-length') ?? NaN);
  const total = Number.isFinite(length) ? offset + length : undefined;
  log(`${path.basename(partial, '.partial')}: downloading from ${url}${resumed ? ` (resuming at ${mb(offset)})` : ''}${total ? `, ${mb(total)}` : ''}`);
  const fd = openSync(partial, resumed ? 'a' : 'w');
  let written = offset;
  let lastLog = Date.now();
  const every = options.progressEveryMs ?? 2000;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      writeSync(fd, chunk);
      written += chunk.length;
      if (Date.now() - lastLog >= every) {
        lastLog = Date.now();
        log(`${path.basename(partial, '.partial')}: ${total ? `${Math.floor((100 * written) / total)}% ` : ''}(${mb(written)}${total ? ` of ${mb(total)}` : ''})`);
      }
    }
  } catch (error) {
    // Keep the partial file: the next start resumes from here.
    throw new ModelFileError(`download of ${url} interrupted at ${mb(written)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    closeSync(fd);
  }
  if (total !== undefined && written !== total) {
    throw new ModelFileError(`download of ${url} ended at ${written} of ${total} bytes; restart to resume`);
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
