import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const workspaceRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const grafanaDir = path.join(workspaceRoot, 'grafana');

export interface DashboardQuery {
  readonly dashboard: string;
  readonly panel: string;
  readonly expr: string;
}

interface Panel {
  readonly type: string;
  readonly title: string;
  readonly description?: string;
  readonly targets?: readonly { expr?: string }[];
  readonly panels?: readonly Panel[];
}

export interface Dashboard {
  readonly file: string;
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly Panel[];
}

export function loadDashboards(dir = path.join(grafanaDir, 'dashboards')): Dashboard[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...(JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Omit<Dashboard, 'file'>) }));
}

/** Every panel, rows' nested panels included, rows themselves excluded. */
export function panelsOf(dashboard: Dashboard): Panel[] {
  const out: Panel[] = [];
  const walk = (panels: readonly Panel[]) => {
    for (const panel of panels) {
      if (panel.type === 'row') walk(panel.panels ?? []);
      else out.push(panel);
    }
  };
  walk(dashboard.panels);
  return out;
}

export function dashboardQueries(dashboards = loadDashboards()): DashboardQuery[] {
  return dashboards.flatMap((dashboard) =>
    panelsOf(dashboard).flatMap((panel) =>
      (panel.targets ?? []).filter((t) => t.expr).map((t) => ({ dashboard: dashboard.title, panel: panel.title, expr: t.expr as string })),
    ),
  );
}

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export function loadAlertRules(file = path.join(grafanaDir, 'prometheus/rules/docrag-alerts.yml')): AlertRule[] {
  const doc = parseYaml(readFileSync(file, 'utf8')) as { groups: { rules: AlertRule[] }[] };
  return doc.groups.flatMap((group) => group.rules);
}

/**
 * Replaces Grafana's interval variables with concrete durations, so a dashboard query can be sent
 * to Prometheus as is.
 */
export function resolveGrafanaVariables(expr: string, rateInterval = '1m'): string {
  return expr.replaceAll('$__rate_interval', rateInterval).replaceAll('$__interval', rateInterval).replaceAll('$__range', '1h');
}

const KEYWORDS = new Set([
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan',
]);

/**
 * The metric names a PromQL expression reads. Label matchers, strings, grouping clauses and range
 * selectors are removed first; what is left and is not followed by `(` (a function or aggregation)
 * is a metric name.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, name = '', call] = match;
    if (call || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}
