#!/usr/bin/env node
// Fetches the ml-api's ONNX weights into the model cache and verifies each one against its sha256 pin.
// Runs at container start (first start downloads, later starts only re-hash) or at build time with
// --build-arg BAKE_MODELS=true. Plain Node (no dependencies) because it runs before the app exists.
//
// Environment (all optional):
//   MODEL_DIR           where weights live (default /models; a volume in every manifest)
//   MODEL_VARIANT       a key of "variants" in the pins file: int8 (default, CPU friendly) or fp32 (GPU)
//   MODEL_FETCH         auto (default: download what is missing), never (verify only; fail if missing),
//                       skip (do nothing: the operator mounts and vouches for the files)
//   MODEL_PINS_FILE     pins file (default: models.json beside this script)
//   MODEL_SOURCE_DIR    base of the "file" entries (files shipped in the image; default: the repository root)
//   MODEL_FETCH_TIMEOUT_MS  per-file download timeout (default 600000)
import { createHash } from 'node:crypto';
import { copyFileSync, createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** sha256 of a file, hex. */
export async function sha256File(file) {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Reads and checks the pins file; throws a message naming the bad entry. */
export function loadPins(pinsFile, variant) {
  const pins = JSON.parse(readFileSync(pinsFile, 'utf8'));
  const entries = pins.variants?.[variant];
  if (!Array.isArray(entries)) {
    const known = Object.keys(pins.variants ?? {}).join(', ');
    throw new Error(`MODEL_VARIANT="${variant}" is not in ${pinsFile} (known: ${known})`);
  }
  for (const e of entries) {
    if (!/^[0-9a-f]{64}$/.test(e.sha256 ?? '')) throw new Error(`${e.name}: sha256 pin missing or malformed`);
    if (!Number.isInteger(e.bytes) || e.bytes <= 0) throw new Error(`${e.name}: bytes pin missing`);
    if (typeof e.dest !== 'string' || e.dest.startsWith('/') || e.dest.includes('..')) {
      throw new Error(`${e.name}: dest must be a relative path inside MODEL_DIR`);
    }
    if (typeof e.url !== 'string' && typeof e.file !== 'string') throw new Error(`${e.name}: needs a url to download or a file to copy`);
  }
  return entries;
}

async function download(url, file, timeoutMs) {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  if (!res.ok || !res.body) throw new Error(`GET ${url} answered HTTP ${res.status}`);
  // Write beside the target and rename, so a killed download never leaves a half file under the real name.
  const partial = `${file}.partial`;
  await pipeline(Readable.fromWeb(res.body), createWriteStream(partial));
  renameSync(partial, file);
}

/**
 * Makes every pinned file present and verified under `dir`.
 * @returns one line per file saying what happened (verified | downloaded | copied).
 */
export async function ensureModels({ dir, entries, mode = 'auto', timeoutMs = 600_000, sourceDir = path.join(here, '../..'), log = () => {} }) {
  const report = [];
  for (const entry of entries) {
    const file = path.join(dir, entry.dest);
    mkdirSync(path.dirname(file), { recursive: true });
    let action = 'verified';
    if (!existsSync(file)) {
      if (mode === 'never') throw new Error(`${entry.name}: ${file} is missing and MODEL_FETCH=never`);
      if (entry.file) {
        copyFileSync(path.join(sourceDir, entry.file), file);
        action = 'copied';
      } else {
        log(`${entry.name}: downloading ${entry.url}`);
        await download(entry.url, file, timeoutMs);
        action = 'downloaded';
      }
    }
    const size = statSync(file).size;
    const digest = size === entry.bytes ? await sha256File(file) : `(size ${size}, expected ${entry.bytes})`;
    if (digest !== entry.sha256) {
      // A file we fetched is bad: remove it so the next start retries. A file someone mounted stays.
      if (action !== 'verified') rmSync(file, { force: true });
      throw new Error(`${entry.name}: ${file} does not match its pin: sha256 ${digest}, expected ${entry.sha256}`);
    }
    report.push(`${entry.name}: ${action} ${entry.dest} sha256=${entry.sha256.slice(0, 12)}…`);
  }
  return report;
}

async function main() {
  const env = process.env;
  const mode = env.MODEL_FETCH ?? 'auto';
  if (!['auto', 'never', 'skip'].includes(mode)) throw new Error(`MODEL_FETCH must be auto, never or skip (got "${mode}")`);
  if (mode === 'skip') return;
  const timeoutMs = Number(env.MODEL_FETCH_TIMEOUT_MS ?? 600_000);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error(`MODEL_FETCH_TIMEOUT_MS must be a positive number`);
  const entries = loadPins(env.MODEL_PINS_FILE ?? path.join(here, 'models.json'), env.MODEL_VARIANT ?? 'int8');
  const lines = await ensureModels({
    dir: env.MODEL_DIR ?? '/models',
    entries,
    mode,
    timeoutMs,
    ...(env.MODEL_SOURCE_DIR ? { sourceDir: env.MODEL_SOURCE_DIR } : {}),
    log: (line) => console.log(`[models] ${line}`),
  });
  for (const line of lines) console.log(`[models] ${line}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`[models] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
