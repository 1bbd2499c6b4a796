/**
 * Loads each app's zod `configSchema` / `loadConfig` straight from its source, so the manifests are
 * compared with the code that will parse their environment. Loaded by path at run time: the
 * boundary rules keep tools from importing app modules statically, and the checks should report a
 * missing config as a finding rather than fail to compile.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { abs } from './repo';

export const APPS = ['bot', 'ml-api', 'metrics-exporter'] as const;
export type AppName = (typeof APPS)[number];

export interface ZodLike {
  safeParse(input: unknown): { success: boolean; data?: unknown; error?: { issues: { path: PropertyKey[]; message: string }[] } };
}

export interface AppConfigModule {
  app: AppName;
  configSchema: { shape: Record<string, ZodLike> };
  loadConfig: (env: Record<string, string | undefined>) => Record<string, unknown>;
  secretKeys: readonly string[];
}

export const configPath = (app: AppName): string => `apps/${app}/src/config.ts`;

/** The app's config module, or a sentence saying why it cannot be checked yet. */
export async function loadAppConfig(app: AppName): Promise<AppConfigModule | string> {
  const file = abs(configPath(app));
  if (!existsSync(file)) return `${configPath(app)} does not exist yet`;
  const mod = (await import(pathToFileURL(file).href)) as Partial<AppConfigModule>;
  const missing = (['configSchema', 'loadConfig', 'secretKeys'] as const).filter((k) => mod[k] === undefined);
  if (missing.length > 0) return `${configPath(app)} does not export ${missing.join(', ')}`;
  return { app, configSchema: mod.configSchema!, loadConfig: mod.loadConfig!, secretKeys: mod.secretKeys! };
}

/** Keys of the schema that have no default: parsing `undefined` fails for them. */
export function requiredKeys(mod: AppConfigModule): string[] {
  return Object.entries(mod.configSchema.shape)
    .filter(([, schema]) => !schema.safeParse(undefined).success)
    .map(([key]) => key);
}

/** The schema default of one key (as parsed), or undefined when it has none. */
export function defaultOf(mod: AppConfigModule, key: string): unknown {
  const schema = mod.configSchema.shape[key];
  const parsed = schema?.safeParse(undefined);
  return parsed?.success ? parsed.data : undefined;
}
