/**
 * The manifests against the code: every platform's environment for each app is parsed by that app's
 * own `loadConfig` (secret references replaced by well-formed placeholders), so a missing required
 * variable, a typo'd name, a bad value, a probe on the wrong port or path, a root container or a
 * floating image tag fails here rather than at deploy time.
 */
import { resolveLanguage } from '@docrag/sparse';
import { beforeAll, describe, expect, it } from 'vitest';
import { APPS, loadAppConfig, requiredKeys, type AppConfigModule, type AppName } from './support/app-configs';
import { healthPortKey, healthRoutesOf, metricsPortKey, PINNED_IMAGE, sourceMentions } from './support/expectations';
import { podContainers, type K8sObject } from './support/kustomize';
import { readText, readYaml } from './support/repo';
import { allWorkloads, COMPOSE_FILE, OVERLAYS, placeholderFor, renderK8s, type Workload } from './support/workloads';

/** Variables a container may get that are not app config: standard OTel, Node, platform and entrypoint ones. */
const EXTRA_ALLOWED: Record<AppName, RegExp> = {
  bot: /^(OTEL_\w+|NODE_ENV|PORT)$/,
  // MODEL_FETCH* / MODEL_PINS_FILE / MODEL_SOURCE_DIR are read by the image's model fetcher (infra/docker/fetch-models.mjs).
  'ml-api': /^(OTEL_\w+|NODE_ENV|MODEL_FETCH|MODEL_FETCH_TIMEOUT_MS|MODEL_PINS_FILE|MODEL_SOURCE_DIR)$/,
  'metrics-exporter': /^(OTEL_\w+|NODE_ENV)$/,
};

const configs = new Map<AppName, AppConfigModule>();
const workloads = allWorkloads();
const appWorkloads = workloads.filter((w) => w.app);
const label = (w: Workload) => `${w.platform} ${w.name}`;

beforeAll(async () => {
  const missing: string[] = [];
  for (const app of APPS) {
    const mod = await loadAppConfig(app);
    if (typeof mod === 'string') missing.push(mod);
    else configs.set(app, mod);
  }
  if (missing.length > 0) throw new Error(`cannot cross-check the manifests: ${missing.join('; ')}`);
});

/** The environment the app would see, with secret references as placeholders. */
function envOf(w: Workload): Record<string, string> {
  return Object.fromEntries(Object.entries(w.env).map(([k, v]) => [k, v.kind === 'value' ? v.value : placeholderFor(k)]));
}

/** Parses the workload's environment with the app's own loadConfig. */
function configOf(w: Workload): Record<string, unknown> {
  return configs.get(w.app!)!.loadConfig(envOf(w));
}

/** Variables compose takes from .env (so an operator can fix a config problem without editing YAML). */
function composeOperatorVariables(): Set<string> {
  const out = new Set<string>();
  for (const m of readText(COMPOSE_FILE).matchAll(/^\s+([A-Z][A-Z0-9_]*): \$\{\1[:}?-]/gm)) out.add(m[1]!);
  return out;
}

/** Platforms that cannot probe the app's health routes over HTTP, and why (none today). */
const NO_HTTP_PROBE: Record<string, string> = {};

describe('manifests cover every app on every platform', () => {
  it('finds the apps where they are deployed', () => {
    const where = (app: AppName) => [...new Set(appWorkloads.filter((w) => w.app === app).map((w) => w.platform))].sort();
    expect(where('bot')).toEqual(['cloudrun', 'compose', 'ecs', 'fly', 'k8s:base', 'k8s:overlays/eks-gpu', 'k8s:overlays/gke-gpu', 'render']);
    expect(where('ml-api')).toEqual(['compose', 'ecs', 'k8s:base', 'k8s:overlays/eks-gpu', 'k8s:overlays/gke-gpu']);
    expect(where('metrics-exporter')).toEqual(['compose', 'ecs', 'k8s:base', 'k8s:overlays/eks-gpu', 'k8s:overlays/gke-gpu']);
  });
});

describe.each(appWorkloads.map((w) => [label(w), w] as const))('%s', (_name, w) => {
  it('sets (or references a secret for) every variable the config schema requires', () => {
    const missing = requiredKeys(configs.get(w.app!)!).filter((k) => !w.env[k] || (w.env[k]!.kind === 'value' && (w.env[k] as { value: string }).value === ''));
    expect(missing, 'required variables not set').toEqual([]);
  });

  it('sets only variables the app (or the image entrypoint) reads', () => {
    const keys = Object.keys(configs.get(w.app!)!.configSchema.shape);
    const unknown = Object.keys(w.env).filter((k) => !keys.includes(k) && !EXTRA_ALLOWED[w.app!].test(k));
    expect(unknown, 'variables no config reads (typo?)').toEqual([]);
  });

  it("passes the app's own loadConfig", () => {
    if (w.platform !== 'compose') {
      expect(() => configOf(w)).not.toThrow();
      return;
    }
    // Compose is completed by the operator's .env: a problem is acceptable only when every variable
    // it names comes from .env (e.g. the bot's "refusing to run open" until an allowlist is set).
    try {
      configOf(w);
    } catch (err) {
      const problems = (err as { problems?: { variable: string }[]; issues?: { variable: string }[] }).problems ?? (err as { issues?: { variable: string }[] }).issues ?? [];
      expect(problems.length, String(err)).toBeGreaterThan(0);
      const fromEnv = composeOperatorVariables();
      expect(problems.map((p) => p.variable).filter((v) => !fromEnv.has(v)), String(err)).toEqual([]);
    }
  });

  it('probes health routes the app serves, on the port that serves them', () => {
    let config: Record<string, unknown>;
    try {
      config = configOf(w);
    } catch {
      return; // reported by the loadConfig check
    }
    const healthPorts = new Set([
      Number(config[healthPortKey[w.app!]]),
      ...(w.app === 'ml-api' ? [Number(config['METRICS_PORT'])] : []),
      // In webhook mode the bot also answers /health/* on the webhook port (single-port platforms).
      ...(w.app === 'bot' && config['BOT_MODE'] === 'webhook' ? [Number(config['WEBHOOK_PORT'])] : []),
    ]);
    if (NO_HTTP_PROBE[w.platform]) {
      expect(w.probes, NO_HTTP_PROBE[w.platform]).toEqual([]);
      return;
    }
    expect(w.probes.length, 'no health check').toBeGreaterThan(0);
    for (const p of w.probes) {
      if (p.type === 'http') {
        expect(healthRoutesOf(w.app!), `${p.role} path`).toContain(p.path);
        expect(sourceMentions(w.app!, p.path!), `${p.path} in apps/${w.app}/src`).toBe(true);
        expect([...healthPorts], `${p.role} port`).toContain(p.port);
      } else if (p.type === 'tcp') {
        const served = [...healthPorts, ...(w.app === 'bot' ? [Number(config['WEBHOOK_PORT'])] : [])];
        expect(served, `${p.role} tcp port`).toContain(p.port);
      }
    }
  });

  it('exposes the ports the app listens on', () => {
    let config: Record<string, unknown>;
    try {
      config = configOf(w);
    } catch {
      return;
    }
    const listens = [Number(config[healthPortKey[w.app!]]), Number(config[metricsPortKey[w.app!]])];
    if (w.app === 'bot' && config['BOT_MODE'] === 'webhook') listens.push(Number(config['WEBHOOK_PORT']));
    if (w.platform.startsWith('k8s') || w.platform === 'ecs') for (const p of listens) expect(w.ports, `container port ${p}`).toContain(p);
    if (['fly', 'render', 'cloudrun'].includes(w.platform)) {
      // Single-port platforms route public HTTPS to the webhook server.
      expect(config['BOT_MODE']).toBe('webhook');
      expect(w.ports).toEqual([Number(config['WEBHOOK_PORT'])]);
    }
    if (w.platform === 'compose') for (const p of w.ports) expect(listens, `published port ${p}`).toContain(p);
    if (w.app === 'bot' && config['BOT_MODE'] === 'webhook' && config['WEBHOOK_URL']) {
      expect(new URL(String(config['WEBHOOK_URL'])).pathname, 'WEBHOOK_URL path').toBe(config['WEBHOOK_PATH']);
    }
  });
});

describe('every container', () => {
  it.each(workloads.map((w) => [label(w), w] as const))('%s runs as non-root from a pinned image', (_n, w) => {
    if (w.uid === 'image') expect(w.app, 'only our images (whose Dockerfile USER is checked) may rely on the image user').toBeDefined();
    else expect(w.uid, 'uid').toBeGreaterThan(0);
    expect(w.image).toMatch(PINNED_IMAGE);
  });
});

describe('apps agree with each other within a deployment', () => {
  const deployments = ['compose', 'ecs', ...OVERLAYS.map((o) => `k8s:${o}`)];
  const one = (platform: string, app: AppName): Workload | undefined => appWorkloads.find((w) => w.platform === platform && w.app === app && !w.name.includes('webhook') && !w.name.endsWith('-cpu'));

  it.each(deployments)('%s: the bot and the ml-api use the same BM25 language, and the bot calls the ml-api on its PORT', (platform) => {
    const bot = one(platform, 'bot')!;
    const ml = one(platform, 'ml-api')!;
    const b = configOf(bot.platform === 'compose' ? { ...bot, env: { ...bot.env, ALLOW_ALL_USERS: { kind: 'value', value: 'true' } } } : bot);
    const m = configOf(ml);
    expect(resolveLanguage(String(b['SPARSE_LANGUAGE']))).toBe(resolveLanguage(String(m['SPARSE_LANGUAGE'])));
    const url = b['ML_API_URL'] as string | undefined;
    if (url) expect(Number(new URL(url).port || 80)).toBe(Number(m['PORT']));
  });

  it.each(OVERLAYS)('k8s:%s: the bot creates Qdrant collections that use every peer and survive losing one', (overlay) => {
    const values = readYaml<{ replicaCount: number; config: { storage: { collection: { replication_factor: number } } } }>('infra/k8s/qdrant/values.yaml');
    const bot = configOf(appWorkloads.find((w) => w.platform === `k8s:${overlay}` && w.app === 'bot')!);
    expect(Number(bot['QDRANT_SHARDS']), 'QDRANT_SHARDS spreads shards over every peer').toBeGreaterThanOrEqual(values.replicaCount);
    expect(Number(bot['QDRANT_SHARDS']) % values.replicaCount, 'an even number of shards per peer').toBe(0);
    expect(Number(bot['QDRANT_REPLICATION_FACTOR']), 'each shard on two peers').toBe(values.config.storage.collection.replication_factor);
    expect(Number(bot['QDRANT_REPLICATION_FACTOR'])).toBeGreaterThanOrEqual(2);
    expect(Number(bot['QDRANT_REPLICATION_FACTOR'])).toBeLessThanOrEqual(values.replicaCount);
  });

  it.each(OVERLAYS)('k8s:%s: Services and the webhook Ingress route to the ports the containers listen on', (overlay) => {
    const { objects } = renderK8s(overlay);
    const services = objects.filter((o) => o.kind === 'Service');
    for (const svc of services) {
      const selector = (svc['spec'] as { selector: Record<string, string> }).selector;
      const pods = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet').filter((o) => Object.entries(selector).every(([k, v]) => ((o['spec'] as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels[k] === v)));
      expect(pods.length, `Service ${svc.metadata.name} selects no workload`).toBe(1);
      const names = new Map(podContainers(pods[0]!).flatMap((c) => ((c['ports'] as { name?: string; containerPort: number }[]) ?? []).map((p) => [p.name ?? '', p.containerPort] as const)));
      for (const port of (svc['spec'] as { ports: { name: string; targetPort: string | number }[] }).ports) {
        expect(typeof port.targetPort === 'string' ? names.has(port.targetPort) : [...names.values()].includes(port.targetPort), `Service ${svc.metadata.name} port ${port.name}`).toBe(true);
      }
    }
    const ingress = objects.find((o) => o.kind === 'Ingress') as K8sObject;
    const rule = (ingress['spec'] as { rules: { http: { paths: { path: string; backend: { service: { name: string; port: { name: string } } } }[] } }[] }).rules[0]!.http.paths[0]!;
    const bot = appWorkloads.find((w) => w.platform === `k8s:${overlay}` && w.app === 'bot')!;
    const config = configOf(bot);
    expect(rule.path).toBe(config['WEBHOOK_PATH']);
    expect(rule.backend.service.name).toBe('bot');
    expect(rule.backend.service.port.name).toBe('webhook');
  });
});
