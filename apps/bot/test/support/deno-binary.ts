/**
 * The Deno executable of the `deno` npm package. Tests start it directly: its `bin.cjs` wrapper runs
 * Deno with spawnSync and does not forward signals, so stopping the wrapper would orphan Deno.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export function denoExecutable(root: string): string {
  const exe = path.join(root, 'node_modules', 'deno', process.platform === 'win32' ? 'deno.exe' : 'deno');
  // The package downloads its binary on first use when the install script did not run.
  if (!existsSync(exe)) spawnSync(process.execPath, [path.join(root, 'node_modules', 'deno', 'bin.cjs'), '--version'], { stdio: 'ignore' });
  if (!existsSync(exe)) throw new Error(`no Deno binary at ${exe}: run npm ci (the deno package installs it)`);
  return exe;
}
