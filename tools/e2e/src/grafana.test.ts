/**
 * Dashboards and alert rules against the metric-name constants: no panel or rule may read a metric
 * that no code exports, every exported metric is on a dashboard, every panel says what it means,
 * and every alert has promtool tests that make it fire and stay quiet.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ALL_METRICS, createBotMetrics, createMetricsRegistry, createMlApiMetrics, metricsOf, PROCESS_METRIC_NAMES, seriesNames } from '@docrag/observability';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { dashboardQueries, grafanaDir, loadAlertRules, loadDashboards, metricNamesIn, panelsOf } from './promql';

const known = new Set<string>([...ALL_METRICS.flatMap(seriesNames), ...PROCESS_METRIC_NAMES, 'up']);
const dashboards = loadDashboards();
const queries = dashboardQueries(dashboards);
const rules = loadAlertRules();
/**
 * The series names the apps' registries expose. The bot and the ml-api register through the
 * observability factories (used here); the exporter's registration of every metricsOf('metrics-exporter')
 * is proven by apps/metrics-exporter/src/exporter.test.ts, and the real-Prometheus test scrapes all three.
 */
async function registeredSeries(): Promise<Set<string>> {
  const bot = createMetricsRegistry();
  createBotMetrics(bot);
  const ml = createMetricsRegistry();
  createMlApiMetrics(ml);
  const names = new Set<string>(metricsOf('metrics-exporter').flatMap(seriesNames));
  for (const registry of [bot, ml]) {
    for (const metric of await registry.getMetricsAsJSON()) {
      const type = String(metric.type);
      for (const name of type === 'histogram' ? [`${metric.name}_bucket`, `${metric.name}_sum`, `${metric.name}_count`] : [metric.name]) names.add(name);
    }
  }
  return names;
}

describe('dashboards', () => {
  it('are the three the docs promise, with unique uids', () => {
    expect(dashboards.map((d) => d.title).sort()).toEqual(['docrag / Bot overview', 'docrag / Retrieval store', 'docrag / ml-api']);
    expect(new Set(dashboards.map((d) => d.uid)).size).toBe(3);
  });

  it('give every panel a description that says what it means and what to do', () => {
    for (const dashboard of dashboards) {
      for (const panel of panelsOf(dashboard)) {
        expect(panel.description?.length ?? 0, `${dashboard.title} / ${panel.title}`).toBeGreaterThan(60);
        expect(panel.targets?.length ?? 0, `${dashboard.title} / ${panel.title}`).toBeGreaterThan(0);
      }
    }
  });

  it('query only metrics listed in metric-names.ts', () => {
    const unknown = queries.flatMap((q) => metricNamesIn(q.expr).filter((n) => !known.has(n)).map((n) => `${q.dashboard} / ${q.panel}: ${n}`));
    expect(unknown).toEqual([]);
  });

  it('query only metrics the apps register', async () => {
    const registered = await registeredSeries();
    const missing = queries.flatMap((q) =>
      metricNamesIn(q.expr)
        .filter((n) => n !== 'up' && !registered.has(n))
        .map((n) => `${q.dashboard} / ${q.panel}: ${n}`),
    );
    expect(missing).toEqual([]);
  });

  it('show every product metric somewhere', () => {
    const used = new Set(queries.flatMap((q) => metricNamesIn(q.expr)));
    const unused = ALL_METRICS.filter((m) => !seriesNames(m).some((s) => used.has(s))).map((m) => m.name);
    expect(unused).toEqual([]);
  });

  it('are provisioned from the folder the compose stack mounts', () => {
    const provider = parseYaml(readFileSync(path.join(grafanaDir, 'provisioning/dashboards/docrag.yml'), 'utf8')) as { providers: { options: { path: string } }[] };
    expect(provider.providers[0]?.options.path).toBe('/var/lib/grafana/dashboards');
    const datasources = parseYaml(readFileSync(path.join(grafanaDir, 'provisioning/datasources/prometheus.yml'), 'utf8')) as { datasources: { uid: string; type: string }[] };
    expect(datasources.datasources.find((d) => d.type === 'prometheus')?.uid).toBe('prometheus');
  });
});

describe('docs/observability.md', () => {
  it('lists every metric and has a runbook entry for every alert', () => {
    const doc = readFileSync(path.join(grafanaDir, '..', 'docs', 'observability.md'), 'utf8');
    expect(ALL_METRICS.filter((m) => !doc.includes(`\`${m.name}\``)).map((m) => m.name)).toEqual([]);
    expect(rules.filter((r) => !doc.includes(`### ${r.alert}`)).map((r) => r.alert)).toEqual([]);
  });
});

describe('alert rules', () => {
  it('cover the alerts the runbook lists', () => {
    expect(rules.map((r) => r.alert).sort()).toEqual([
      'DocragAnswerLatencyAboveSLO',
      'DocragBotDown',
      'DocragDailyCostOverBudget',
      'DocragExporterCollectorDown',
      'DocragHighErrorRate',
      'DocragMlApiDown',
      'DocragMlApiNotReady',
      'DocragRetrievalLatencyAboveSLO',
      'DocragTelegram429Storm',
      'DocragTokenBudgetBurn',
    ]);
  });

  it('read only metrics listed in metric-names.ts, and each has a severity, summary and runbook', () => {
    for (const rule of rules) {
      expect(metricNamesIn(rule.expr).filter((n) => !known.has(n)), rule.alert).toEqual([]);
      expect(['page', 'ticket'], rule.alert).toContain(rule.labels?.['severity']);
      expect(rule.annotations?.['summary'], rule.alert).toBeTruthy();
      expect(rule.annotations?.['runbook'], rule.alert).toMatch(/^docs\/observability\.md#/);
    }
  });

  it('each have a promtool test that fires them and one that keeps them quiet', () => {
    const file = parseYaml(readFileSync(path.join(grafanaDir, 'prometheus/tests/docrag-alerts.test.yml'), 'utf8')) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const checks = file.tests.flatMap((t) => t.alert_rule_test);
    for (const rule of rules) {
      expect(checks.some((c) => c.alertname === rule.alert && c.exp_alerts.length > 0), `${rule.alert} fires`).toBe(true);
      expect(checks.some((c) => c.alertname === rule.alert && c.exp_alerts.length === 0), `${rule.alert} stays quiet`).toBe(true);
    }
  });
});
