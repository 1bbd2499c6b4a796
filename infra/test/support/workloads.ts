/**
 * Every container the manifests run, reduced to what the cross-checks compare: image, user, the
 * environment it gets (literal values and secret references), ports and health probes.
 */
import { parse as parseToml } from 'smol-toml';
import { parseAllDocuments } from 'yaml';
import type { AppName } from './app-configs';
import { interpolateDeep, parseDotenv } from './compose';
import { podContainers, podSpec, renderKustomization, type K8sObject } from './kustomize';
import { readJson, readText, readYaml, run, which } from './repo';

export type EnvValue = { kind: 'value'; value: string } | { kind: 'secret'; ref: string };

export interface Probe {
  /** Where the probe came from (liveness, readiness, healthcheck, ...). */
  role: string;
  type: 'http' | 'tcp' | 'exec';
  path?: string;
  port?: number;
}

export interface Workload {
  platform: string;
  /** Service / container / app name on that platform. */
  name: string;
  /** Which docrag app this runs, from its image; undefined for third-party containers. */
  app?: AppName;
  image: string;
  /** Effective uid, or "image" when the platform runs the image's own USER. */
  uid: number | 'image' | undefined;
  env: Record<string, EnvValue>;
  ports: number[];
  probes: Probe[];
  /** Platform-specific extras used by individual checks. */
  raw: Record<string, unknown>;
}

export const OVERLAYS = ['base', 'overlays/gke-gpu', 'overlays/eks-gpu'] as const;

export function appOfImage(image: string): AppName | undefined {
  const m = /docrag\/(bot|ml-api|metrics-exporter)(?:[:@]|$)/.exec(image);
  return m ? (m[1] as AppName) : undefined;
}

const uidOf = (user: unknown): number | undefined => {
  if (user === undefined || user === null || user === '') return undefined;
  const n = Number(String(user).split(':')[0]);
  return Number.isInteger(n) ? n : undefined;
};

/** `fetch('http://127.0.0.1:9464/health/live')` or `curl http://localhost:8000/health` inside a command. */
export function probeFromCommand(role: string, command: readonly string[] | string): Probe {
  const text = Array.isArray(command) ? command.join(' ') : String(command);
  const m = /https?:\/\/(?:127\.0\.0\.1|localhost):(\d+)(\/[\w/.-]*)/.exec(text);
  return m ? { role, type: 'http', port: Number(m[1]), path: m[2] } : { role, type: 'exec' };
}

// ---- compose --------------------------------------------------------------------------------

export const COMPOSE_FILE = 'infra/compose/docker-compose.yml';
export const COMPOSE_ENV_EXAMPLE = 'infra/compose/.env.example';

/** Value a required-but-empty variable gets for checks that only need a well-formed value. */
export function placeholderFor(name: string): string {
  if (name === 'TELEGRAM_TOKEN') return '123456:placeholder-token';
  if (name.endsWith('_URL')) return 'https://placeholder.invalid';
  if (name.endsWith('_IDS')) return '1';
  return 'placeholder-secret';
}

/** The compose file resolved with .env.example (what `docker compose config` prints). */
export function resolvedCompose(): Record<string, unknown> {
  const env = parseDotenv(readText(COMPOSE_ENV_EXAMPLE));
  return interpolateDeep(readYaml(COMPOSE_FILE), env, placeholderFor) as Record<string, unknown>;
}

export function composeWorkloads(): Workload[] {
  const doc = resolvedCompose();
  const raw = readYaml<Record<string, unknown>>(COMPOSE_FILE);
  const out: Workload[] = [];
  for (const [name, svc] of Object.entries(doc['services'] as Record<string, Record<string, unknown>>)) {
    const rawEnv = ((raw['services'] as Record<string, Record<string, unknown>>)[name]?.['environment'] ?? {}) as Record<string, unknown>;
    const env: Record<string, EnvValue> = {};
    const environment = svc['environment'];
    const entries: [string, unknown][] = Array.isArray(environment)
      ? environment.map((e: string) => [e.split('=')[0]!, e.slice(e.indexOf('=') + 1)])
      : Object.entries((environment as Record<string, unknown>) ?? {});
    for (const [key, value] of entries) {
      // A `${VAR:?...}` value is one compose refuses to run without: the operator must supply it.
      const source = String(rawEnv[key] ?? '');
      env[key] = /\$\{[A-Za-z0-9_]+:?\?/.test(source) ? { kind: 'secret', ref: `.env ${key}` } : { kind: 'value', value: String(value ?? '') };
    }
    const hc = svc['healthcheck'] as { test?: string[] | string } | undefined;
    const ports = ((svc['ports'] as string[] | undefined) ?? []).map((p) => Number(String(p).split(':').pop()));
    out.push({
      platform: 'compose',
      name,
      app: appOfImage(String(svc['image'] ?? '')),
      image: String(svc['image'] ?? ''),
      uid: uidOf(svc['user']),
      env,
      ports,
      probes: hc?.test ? [probeFromCommand('healthcheck', hc.test)] : [],
      raw: svc,
    });
  }
  return out;
}

// ---- kubernetes -----------------------------------------------------------------------------

const renders = new Map<string, { objects: K8sObject[]; renderer: 'kubectl' | 'js' }>();

/** Renders a kustomization with kubectl when it is installed, else with the JS renderer. */
export function renderK8s(overlay: string): { objects: K8sObject[]; renderer: 'kubectl' | 'js' } {
  const cached = renders.get(overlay);
  if (cached) return cached;
  const dir = `infra/k8s/${overlay}`;
  const result = which('kubectl')
    ? { objects: readYamlFromString(run('kubectl', ['kustomize', dir])), renderer: 'kubectl' as const }
    : { objects: renderKustomization(dir), renderer: 'js' as const };
  renders.set(overlay, result);
  return result;
}

/** Parses a multi-document YAML stream (kubectl's output). */
export function readYamlFromString(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((d) => d !== null) as K8sObject[];
}

function k8sEnv(container: Record<string, unknown>, objects: K8sObject[]): Record<string, EnvValue> {
  const env: Record<string, EnvValue> = {};
  const configMap = (name: string) => objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
  for (const from of (container['envFrom'] as Record<string, Record<string, string>>[] | undefined) ?? []) {
    if (from['configMapRef']) {
      const cm = configMap(from['configMapRef']['name']!);
      if (!cm) throw new Error(`envFrom configMapRef ${from['configMapRef']['name']} is not in the rendered manifests`);
      for (const [k, v] of Object.entries((cm['data'] as Record<string, string>) ?? {})) env[k] = { kind: 'value', value: String(v) };
    }
    if (from['secretRef']) throw new Error('envFrom secretRef hides which variables are set; reference each key instead');
  }
  for (const e of (container['env'] as Record<string, unknown>[] | undefined) ?? []) {
    const name = String(e['name']);
    const vf = e['valueFrom'] as Record<string, Record<string, string>> | undefined;
    if (vf?.['secretKeyRef']) env[name] = { kind: 'secret', ref: `${vf['secretKeyRef']['name']}/${vf['secretKeyRef']['key']}` };
    else if (vf?.['configMapKeyRef']) {
      const cm = configMap(vf['configMapKeyRef']['name']!);
      env[name] = { kind: 'value', value: String((cm?.['data'] as Record<string, string> | undefined)?.[vf['configMapKeyRef']['key']!] ?? '') };
    } else env[name] = { kind: 'value', value: String(e['value'] ?? '') };
  }
  return env;
}

function k8sProbes(container: Record<string, unknown>): Probe[] {
  const named = new Map<string, number>();
  for (const p of (container['ports'] as { name?: string; containerPort: number }[] | undefined) ?? []) if (p.name) named.set(p.name, p.containerPort);
  const portOf = (p: unknown): number | undefined => (typeof p === 'number' ? p : named.get(String(p)) ?? (Number.isInteger(Number(p)) ? Number(p) : undefined));
  const probes: Probe[] = [];
  for (const role of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
    const probe = container[role] as Record<string, Record<string, unknown>> | undefined;
    if (!probe) continue;
    if (probe['httpGet']) probes.push({ role, type: 'http', path: String(probe['httpGet']['path']), port: portOf(probe['httpGet']['port']) });
    else if (probe['tcpSocket']) probes.push({ role, type: 'tcp', port: portOf(probe['tcpSocket']['port']) });
    else probes.push({ role, type: 'exec' });
  }
  return probes;
}

export function k8sWorkloads(overlay: string): Workload[] {
  const { objects } = renderK8s(overlay);
  const out: Workload[] = [];
  for (const o of objects) {
    const spec = podSpec(o);
    if (!spec) continue;
    const podSc = (spec['securityContext'] as Record<string, unknown> | undefined) ?? {};
    for (const c of podContainers(o)) {
      const sc = (c['securityContext'] as Record<string, unknown> | undefined) ?? {};
      out.push({
        platform: `k8s:${overlay}`,
        name: `${o.kind}/${o.metadata.name}/${String(c['name'])}`,
        app: appOfImage(String(c['image'])),
        image: String(c['image']),
        uid: uidOf(sc['runAsUser'] ?? podSc['runAsUser']),
        env: k8sEnv(c, objects),
        ports: ((c['ports'] as { containerPort: number }[] | undefined) ?? []).map((p) => p.containerPort),
        probes: k8sProbes(c),
        raw: { object: o, container: c, podSecurityContext: podSc, securityContext: sc },
      });
    }
  }
  return out;
}

// ---- AWS ECS --------------------------------------------------------------------------------

export const ECS_FILES = ['bot', 'ml-api', 'metrics-exporter'].map((a) => `infra/aws/ecs/${a}.task-definition.json`);

export function ecsWorkloads(): Workload[] {
  const out: Workload[] = [];
  for (const file of ECS_FILES) {
    const td = readJson<Record<string, unknown>>(file);
    for (const c of td['containerDefinitions'] as Record<string, unknown>[]) {
      const env: Record<string, EnvValue> = {};
      for (const e of (c['environment'] as { name: string; value: string }[] | undefined) ?? []) env[e.name] = { kind: 'value', value: e.value };
      for (const s of (c['secrets'] as { name: string; valueFrom: string }[] | undefined) ?? []) env[s.name] = { kind: 'secret', ref: s.valueFrom };
      const hc = c['healthCheck'] as { command?: string[] } | undefined;
      out.push({
        platform: 'ecs',
        name: `${String(td['family'])}/${String(c['name'])}`,
        app: appOfImage(String(c['image'])),
        image: String(c['image']),
        uid: uidOf(c['user']),
        env,
        ports: ((c['portMappings'] as { containerPort: number }[] | undefined) ?? []).map((p) => p.containerPort),
        probes: hc?.command ? [probeFromCommand('healthCheck', hc.command)] : [],
        raw: { taskDefinition: td, container: c },
      });
    }
  }
  return out;
}

// ---- Fly.io ---------------------------------------------------------------------------------

export const FLY_FILE = 'infra/fly/fly.toml';

export function flyWorkloads(): Workload[] {
  const text = readText(FLY_FILE);
  const doc = parseToml(text) as Record<string, unknown>;
  const env: Record<string, EnvValue> = {};
  for (const [k, v] of Object.entries((doc['env'] as Record<string, unknown>) ?? {})) env[k] = { kind: 'value', value: String(v) };
  // `fly secrets set` values are invisible to fly.toml; the file lists their names on a `# fly-secrets:` line.
  const secretLine = /^# fly-secrets:(.*)$/m.exec(text);
  for (const name of (secretLine?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) env[name] = { kind: 'secret', ref: 'fly secrets' };
  const checks = Object.entries((doc['checks'] as Record<string, Record<string, unknown>>) ?? {}).map(([role, c]): Probe => ({
    role,
    type: c['type'] === 'http' ? 'http' : 'tcp',
    path: c['path'] as string | undefined,
    port: Number(c['port']),
  }));
  const image = String((doc['build'] as Record<string, unknown> | undefined)?.['image'] ?? '');
  const http = (doc['http_service'] as Record<string, unknown> | undefined) ?? {};
  return [{ platform: 'fly', name: String(doc['app']), app: appOfImage(image), image, uid: 'image', env, ports: [Number(http['internal_port'])], probes: checks, raw: doc }];
}

// ---- Render ---------------------------------------------------------------------------------

export const RENDER_FILE = 'infra/render/render.yaml';

export function renderWorkloads(): Workload[] {
  const doc = readYaml<{ services: Record<string, unknown>[] }>(RENDER_FILE);
  const out: Workload[] = [];
  for (const svc of doc.services) {
    if (svc['runtime'] !== 'image') continue;
    const env: Record<string, EnvValue> = {};
    for (const e of (svc['envVars'] as Record<string, unknown>[] | undefined) ?? []) {
      const key = String(e['key']);
      if ('value' in e) env[key] = { kind: 'value', value: String(e['value']) };
      else if (e['sync'] === false) env[key] = { kind: 'secret', ref: 'render dashboard' };
      else if (e['generateValue'] === true) env[key] = { kind: 'secret', ref: 'render generated' };
      else if (e['fromService'] || e['fromDatabase']) env[key] = { kind: 'secret', ref: `render ${JSON.stringify(e['fromService'] ?? e['fromDatabase'])}` };
    }
    const image = String((svc['image'] as Record<string, unknown> | undefined)?.['url'] ?? '');
    const port = env['PORT']?.kind === 'value' ? Number(env['PORT'].value) : NaN;
    const probes: Probe[] = svc['healthCheckPath'] ? [{ role: 'healthCheckPath', type: 'http', path: String(svc['healthCheckPath']), port }] : [];
    out.push({ platform: 'render', name: String(svc['name']), app: appOfImage(image), image, uid: 'image', env, ports: [port], probes, raw: svc });
  }
  return out;
}

// ---- Cloud Run ------------------------------------------------------------------------------

export const CLOUD_RUN_FILE = 'infra/cloudrun/bot-service.yaml';

export function cloudRunWorkloads(): Workload[] {
  const doc = readYaml<Record<string, unknown>>(CLOUD_RUN_FILE);
  const template = ((doc['spec'] as Record<string, unknown>)['template'] as Record<string, unknown>)['spec'] as Record<string, unknown>;
  return (template['containers'] as Record<string, unknown>[]).map((c) => ({
    platform: 'cloudrun',
    name: String((doc['metadata'] as Record<string, unknown>)['name']),
    app: appOfImage(String(c['image'])),
    image: String(c['image']),
    uid: 'image' as const,
    env: k8sEnv(c, []),
    ports: ((c['ports'] as { containerPort: number }[] | undefined) ?? []).map((p) => p.containerPort),
    probes: k8sProbes(c),
    raw: { service: doc, container: c },
  }));
}

/** Every workload on every platform. */
export function allWorkloads(): Workload[] {
  return [
    ...composeWorkloads(),
    ...OVERLAYS.flatMap((o) => k8sWorkloads(o)),
    ...ecsWorkloads(),
    ...flyWorkloads(),
    ...renderWorkloads(),
    ...cloudRunWorkloads(),
  ];
}
