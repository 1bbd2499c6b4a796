/** A Dockerfile reader: logical lines (continuations joined), stages, and ARG defaults resolved in FROM. */
import { readText } from './repo';

export interface Instruction { op: string; args: string }
export interface Stage { from: string; name?: string; instructions: Instruction[] }

export function parseDockerfile(rel: string): { globalArgs: Record<string, string>; stages: Stage[] } {
  const lines = readText(rel)
    .replace(/\\\r?\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const sp = line.indexOf(' ');
    const op = line.slice(0, sp).toUpperCase();
    const args = line.slice(sp + 1).trim();
    if (op === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!m) throw new Error(`${rel}: cannot read FROM ${args}`);
      const from = m[1]!.replace(/\$\{?(\w+)\}?/g, (_, v: string) => globalArgs[v] ?? `\${${v}}`);
      stages.push({ from, ...(m[2] ? { name: m[2] } : {}), instructions: [] });
    } else if (op === 'ARG' && stages.length === 0) {
      const [k, v] = args.split('=');
      globalArgs[k!] = v ?? '';
    } else {
      stages.at(-1)?.instructions.push({ op, args });
    }
  }
  return { globalArgs, stages };
}

/** The image a stage finally runs on, following `FROM <earlier stage>` chains. */
export function baseImageOf(stages: Stage[], stage: Stage): string {
  const earlier = stages.find((s) => s.name === stage.from);
  return earlier && earlier !== stage ? baseImageOf(stages, earlier) : stage.from;
}
