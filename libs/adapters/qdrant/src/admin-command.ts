import { z } from 'zod';
import { isRagError } from '@docrag/domain';
import { QdrantCollections } from './collections';
import { createQdrantApi, QDRANT_DEFAULTS } from './qdrant-api';

/**
 * Environment of the admin command (`nx run qdrant:snapshot`, `nx run qdrant:admin`): the same
 * variable names the bot uses for its Qdrant store.
 */
export const adminEnvSchema = z.object({
  QDRANT_URL: z.string().url().describe('Qdrant REST endpoint, e.g. http://127.0.0.1:6333'),
  QDRANT_API_KEY: z.string().optional().describe('API key, when the server requires one'),
  QDRANT_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000).describe('Per-request timeout in ms (snapshots of large collections take a while)'),
  QDRANT_RETRIES: z.coerce.number().int().min(0).max(10).default(QDRANT_DEFAULTS.retries).describe('Retries after a transient failure'),
  QDRANT_COLLECTION_PREFIX: z.string().regex(/^[A-Za-z0-9_-]*$/).default('').describe('Prefix of the chunks/parents aliases and collections'),
});

export type AdminEnv = z.infer<typeof adminEnvSchema>;

const USAGE = `usage: qdrant-admin <command>
  status            aliases, live version and available versions
  snapshot          snapshot both live collections (chunks and parents)
  swap <version>    point the chunks/parents aliases at version <n> (one atomic request)
  rollback          swap back to the newest version older than the live one
  drop <version>    delete an old (not live) version`;

/**
 * Runs one admin command and returns the process exit code. Output goes through `print`, so the
 * command is testable without a process.
 */
export async function runAdminCommand(
  args: readonly string[],
  env: Record<string, string | undefined>,
  print: (line: string) => void = console.log,
): Promise<number> {
  const parsed = adminEnvSchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) print(`config error: ${issue.path.join('.')}: ${issue.message}`);
    return 2;
  }
  const config = parsed.data;
  const api = createQdrantApi({
    url: config.QDRANT_URL,
    ...(config.QDRANT_API_KEY ? { apiKey: config.QDRANT_API_KEY } : {}),
    timeoutMs: config.QDRANT_TIMEOUT_MS,
    retries: config.QDRANT_RETRIES,
  });
  const collections = new QdrantCollections(api, { prefix: config.QDRANT_COLLECTION_PREFIX });
  const [command, arg] = args;
  const version = (): number => {
    const n = Number(arg);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`${command} needs a version number >= 1, got ${arg ?? 'nothing'}`);
    return n;
  };
  try {
    switch (command) {
      case 'status': {
        const status = await collections.status();
        print(JSON.stringify(status));
        return 0;
      }
      case 'snapshot': {
        for (const s of await collections.snapshot()) print(`snapshot ${s.name} of ${s.collection}${s.size === undefined ? '' : ` (${s.size} bytes)`}`);
        return 0;
      }
      case 'swap': {
        const v = version();
        await collections.swapTo(v);
        print(`aliases ${collections.aliases.chunks}, ${collections.aliases.parents} now point at version ${v}`);
        return 0;
      }
      case 'rollback': {
        print(`rolled back to version ${await collections.rollback()}`);
        return 0;
      }
      case 'drop': {
        const v = version();
        await collections.dropVersion(v);
        print(`dropped version ${v}`);
        return 0;
      }
      default:
        print(USAGE);
        return command === undefined || command === 'help' ? 0 : 2;
    }
  } catch (error) {
    if (error instanceof UsageError) {
      print(error.message);
      return 2;
    }
    print(`failed: ${isRagError(error) ? error.message : String(error)}`);
    return 1;
  }
}

class UsageError extends Error {}
