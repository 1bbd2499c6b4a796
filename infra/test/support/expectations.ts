/**
 * What the apps serve, per the shared conventions (ports and routes), with a check that the app's
 * source really mentions each route: a manifest probing a path the code never serves fails here.
 */
import { readFileSync } from 'node:fs';
import type { AppName } from './app-configs';
import { abs, listFiles } from './repo';

/** An image reference pinned to an exact version tag (1.2.3, v1.2.3, 1.2.3-variant) or a digest. */
export const PINNED_IMAGE = /^[\w./-]+(:v?\d+\.\d+\.\d+(?:[-.][\w.-]+)?|@sha256:[0-9a-f]{64})$/;

/** The config key of the port that serves the health routes. */
export const healthPortKey: Record<AppName, string> = { bot: 'METRICS_PORT', 'ml-api': 'PORT', 'metrics-exporter': 'PORT' };
/** The config key of the port that serves /metrics. */
export const metricsPortKey: Record<AppName, string> = { bot: 'METRICS_PORT', 'ml-api': 'METRICS_PORT', 'metrics-exporter': 'PORT' };

const ROUTES: Record<AppName, string[]> = {
  bot: ['/health/live', '/health/ready'],
  'ml-api': ['/health', '/health/live', '/health/ready'],
  'metrics-exporter': ['/health'],
};
export const healthRoutesOf = (app: AppName): string[] => ROUTES[app];

/** Where an app's routes may be declared: its own source and the observability lib's internal server. */
const sourceRoots = (app: AppName): string[] => [`apps/${app}/src`, 'libs/observability/src'];

const cache = new Map<string, string>();
/** True when a non-test source file of the app declares the route as a string literal. */
export function sourceMentions(app: AppName, route: string): boolean {
  let text = cache.get(app);
  if (text === undefined) {
    text = sourceRoots(app)
      .flatMap((d) => listFiles(d, ['.ts']))
      .filter((f) => !f.endsWith('.test.ts'))
      .map((f) => readFileSync(abs(f), 'utf8'))
      .join('\n');
    cache.set(app, text);
  }
  return text.includes(`'${route}'`) || text.includes(`"${route}"`) || text.includes(`\`${route}\``);
}
