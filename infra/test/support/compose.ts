/**
 * Compose-file variable interpolation (the subset of the Compose spec's `${VAR}` syntax that
 * docker-compose 1.29 and Compose v2 share): `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`,
 * `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`. The tests resolve the compose file with the
 * values of .env.example, exactly as `docker compose` does with a copied `.env`.
 */
import { isRecord } from './repo';

export interface Interpolation {
  value: string;
  /** Variables referenced, with whether compose itself refuses to start without them (`:?`/`?`). */
  refs: { name: string; required: boolean }[];
}

const PATTERN = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * Interpolates one string. `env` holds the variables; a missing `:?` variable throws with its message
 * unless `placeholderForRequired` supplies a value (for checks that only need a well-formed value).
 */
export function interpolate(input: string, env: Record<string, string>, placeholderForRequired?: (name: string) => string): Interpolation {
  const refs: Interpolation['refs'] = [];
  const value = input.replace(PATTERN, (whole, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare)!;
    const current = env[name];
    const unsetOrEmpty = current === undefined || current === '';
    refs.push({ name, required: op === ':?' || op === '?' });
    switch (op) {
      case ':-':
        return unsetOrEmpty ? (arg ?? '') : current;
      case '-':
        return current === undefined ? (arg ?? '') : current;
      case ':?':
      case '?': {
        const missing = op === ':?' ? unsetOrEmpty : current === undefined;
        if (!missing) return current!;
        if (placeholderForRequired) return placeholderForRequired(name);
        throw new Error(`required variable ${name} is missing a value: ${arg ?? ''}`);
      }
      default:
        return current ?? '';
    }
  });
  return { value, refs };
}

/** Interpolates every string in a parsed compose document (keys are left alone, as compose does). */
export function interpolateDeep(node: unknown, env: Record<string, string>, placeholderForRequired?: (name: string) => string, refs: Interpolation['refs'] = []): unknown {
  if (typeof node === 'string') {
    const r = interpolate(node, env, placeholderForRequired);
    refs.push(...r.refs);
    return r.value;
  }
  if (Array.isArray(node)) return node.map((n) => interpolateDeep(n, env, placeholderForRequired, refs));
  if (isRecord(node)) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateDeep(v, env, placeholderForRequired, refs)]));
  return node;
}

/** Parses a dotenv file (KEY=VALUE lines, # comments, optional quotes). */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`.env line without KEY=VALUE: "${line}"`);
    let value = line.slice(eq + 1).trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) value = value.slice(1, -1);
    out[line.slice(0, eq).trim()] = value;
  }
  return out;
}
