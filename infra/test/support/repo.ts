/** File access for the deployment checks; every path is relative to the repository root. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export const repoRoot = path.resolve(import.meta.dirname, '../../..');

export const abs = (rel: string): string => path.join(repoRoot, rel);

export const readText = (rel: string): string => readFileSync(abs(rel), 'utf8');

export const readJson = <T = unknown>(rel: string): T => JSON.parse(readText(rel)) as T;

/**
 * Every YAML document of a file, with aliases and `<<` merge keys resolved (compose files use both).
 * Throws with the file name and the parser's message on a syntax error.
 */
export function readYamlDocs(rel: string): unknown[] {
  const docs = parseAllDocuments(readText(rel), { merge: true, uniqueKeys: true });
  const out: unknown[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${rel}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

export function readYaml<T = unknown>(rel: string): T {
  const docs = readYamlDocs(rel);
  if (docs.length !== 1) throw new Error(`${rel}: expected one YAML document, found ${docs.length}`);
  return docs[0] as T;
}

/** Files under a folder (recursive), relative to the repository root, filtered by extension. */
export function listFiles(relDir: string, extensions: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(abs(dir))) return;
    for (const name of readdirSync(abs(dir)).sort()) {
      const rel = path.join(dir, name);
      if (statSync(abs(rel)).isDirectory()) walk(rel);
      else if (extensions.some((ext) => name.endsWith(ext))) out.push(rel);
    }
  };
  walk(relDir);
  return out;
}

/** The path of an executable on PATH, or undefined. */
export function which(command: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Runs a command and returns stdout; throws with stderr included. */
export function run(command: string, args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): string {
  try {
    return execFileSync(command, args, {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, ...options.env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 32 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

/** Plain-object guard for walking parsed YAML. */
export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
