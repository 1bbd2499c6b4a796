/**
 * The Kubernetes manifests: each overlay renders (kubectl kustomize where installed, and always the
 * JS renderer, which must agree with kubectl), and the rendered objects have the probes, budgets,
 * autoscalers, GPU scheduling, network isolation and secret references the deployment relies on.
 */
import { ML_QUEUE_DEPTH } from '@docrag/observability';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { objectKey, podContainers, podSpec, renderKustomization, type K8sObject } from './support/kustomize';
import { readYaml, which } from './support/repo';
import { OVERLAYS, renderK8s } from './support/workloads';

const find = (objects: K8sObject[], kind: string, name: string): K8sObject => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind}/${name} is not rendered`);
  return o;
};
const labelsOf = (o: K8sObject): Record<string, string> => ((o['spec'] as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels);
const matches = (selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values: string[] }[] } | undefined, labels: Record<string, string>): boolean =>
  !!selector &&
  Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
  (selector.matchExpressions ?? []).every((e) => (e.operator === 'In' ? e.values.includes(labels[e.key] ?? '') : e.operator === 'NotIn' ? !e.values.includes(labels[e.key] ?? '') : true));

type Peer = { podSelector?: Parameters<typeof matches>[0]; namespaceSelector?: Parameters<typeof matches>[0]; ipBlock?: unknown };
type Rule = { from?: Peer[]; ports?: { port: number }[] };

/**
 * Who may open `port` on pods labelled `target`: the peers of every policy selecting the pod whose
 * rule covers the port ("anyone" for a rule without `from`). Undefined when no policy selects the pod.
 */
function allowedSources(objects: K8sObject[], target: Record<string, string>, port: number): (Peer | 'anyone')[] | undefined {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy' && matches((o['spec'] as { podSelector: Parameters<typeof matches>[0] }).podSelector, target) || (o.kind === 'NetworkPolicy' && Object.keys((o['spec'] as { podSelector: object }).podSelector).length === 0));
  if (policies.length === 0) return undefined;
  const out: (Peer | 'anyone')[] = [];
  for (const p of policies) {
    for (const rule of ((p['spec'] as { ingress?: Rule[] }).ingress ?? [])) {
      if (rule.ports && !rule.ports.some((x) => x.port === port)) continue;
      if (!rule.from) out.push('anyone');
      else out.push(...rule.from);
    }
  }
  return out;
}
const podPeer = (name: string) => ({ podSelector: { matchLabels: { 'app.kubernetes.io/name': name } } });
const prometheusPeer = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } };

describe.each(OVERLAYS)('kustomize %s', (overlay) => {
  const { objects } = renderK8s(overlay);

  it.skipIf(!which('kubectl'))('renders the same objects with the JS renderer as with kubectl', () => {
    const js = new Map(renderKustomization(`infra/k8s/${overlay}`).map((o) => [objectKey(o), o]));
    const kube = new Map(objects.map((o) => [objectKey(o), o]));
    expect([...js.keys()].sort()).toEqual([...kube.keys()].sort());
    for (const [key, o] of kube) expect(isDeepStrictEqual(js.get(key), o), `${key} differs`).toBe(true);
  });

  it('puts every namespaced object in the docrag namespace under restricted Pod Security', () => {
    const ns = find(objects, 'Namespace', 'docrag');
    expect(ns.metadata['labels']).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    for (const o of objects.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.namespace, objectKey(o)).toBe('docrag');
  });

  it('probes each app on its health routes and gives every container requests and limits', () => {
    for (const name of ['bot', 'ml-api', 'metrics-exporter']) {
      const c = podContainers(find(objects, 'Deployment', name))[0]!;
      expect(c['livenessProbe'], name).toMatchObject({ httpGet: { path: name === 'metrics-exporter' ? '/health' : '/health/live' } });
      expect(c['readinessProbe'], name).toMatchObject({ httpGet: { path: name === 'metrics-exporter' ? '/health' : '/health/ready' } });
    }
    for (const o of objects) {
      for (const c of podContainers(o)) {
        const r = c['resources'] as { requests?: Record<string, unknown>; limits?: Record<string, unknown> } | undefined;
        expect(r?.requests?.['cpu'] && r.requests['memory'], `${objectKey(o)} requests`).toBeTruthy();
        expect(r?.limits?.['cpu'] && r.limits['memory'], `${objectKey(o)} limits`).toBeTruthy();
      }
    }
  });

  it('hardens every pod: non-root, no privilege escalation, read-only root filesystem, no capabilities', () => {
    for (const o of objects) {
      const spec = podSpec(o);
      if (!spec) continue;
      expect(spec['securityContext'], objectKey(o)).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect((spec['securityContext'] as { runAsUser: number }).runAsUser, objectKey(o)).toBeGreaterThan(0);
      expect(spec['automountServiceAccountToken'], objectKey(o)).toBe(false);
      for (const c of podContainers(o)) {
        expect(c['securityContext'], `${objectKey(o)}/${String(c['name'])}`).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      }
    }
  });

  it('keeps one bot and all but one ml-api up through voluntary disruptions', () => {
    const bot = find(objects, 'PodDisruptionBudget', 'bot');
    const ml = find(objects, 'PodDisruptionBudget', 'ml-api');
    expect(bot['spec']).toMatchObject({ minAvailable: 1 });
    expect(ml['spec']).toMatchObject({ maxUnavailable: 1 });
    expect(matches((bot['spec'] as { selector: Parameters<typeof matches>[0] }).selector, labelsOf(find(objects, 'Deployment', 'bot')))).toBe(true);
    expect(matches((ml['spec'] as { selector: Parameters<typeof matches>[0] }).selector, labelsOf(find(objects, 'Deployment', 'ml-api')))).toBe(true);
  });

  it('scales the ml-api on its queue-depth metric and the bot on CPU', () => {
    const ml = find(objects, 'HorizontalPodAutoscaler', 'ml-api')['spec'] as { scaleTargetRef: { name: string }; metrics: { type: string; pods?: { metric: { name: string } } }[] };
    expect(ml.scaleTargetRef.name).toBe('ml-api');
    expect(ml.metrics[0]).toMatchObject({ type: 'Pods', pods: { metric: { name: ML_QUEUE_DEPTH.name } } });
    const bot = find(objects, 'HorizontalPodAutoscaler', 'bot')['spec'] as { scaleTargetRef: { name: string }; minReplicas: number; metrics: unknown[] };
    expect(bot.scaleTargetRef.name).toBe('bot');
    expect(bot.minReplicas).toBeGreaterThanOrEqual(2);
    expect(bot.metrics[0]).toMatchObject({ type: 'Resource', resource: { name: 'cpu' } });
  });

  it('lets only the bot reach the ml-api, Qdrant and Redis, and only Prometheus reach /metrics', () => {
    const sources = (app: string, port: number) => allowedSources(objects, { 'app.kubernetes.io/name': app }, port);
    expect(find(objects, 'NetworkPolicy', 'default-deny-ingress')['spec']).toMatchObject({ podSelector: {}, policyTypes: ['Ingress'] });
    expect(sources('ml-api', 8000)).toEqual([podPeer('bot')]);
    expect(sources('redis', 6379)).toEqual([podPeer('bot')]);
    expect(sources('qdrant', 6334)).toEqual([podPeer('bot'), podPeer('metrics-exporter')]);
    expect(sources('qdrant', 6335)).toEqual([podPeer('qdrant')]);
    for (const [app, port] of [['ml-api', 9465], ['metrics-exporter', 9466]] as const) expect(sources(app, port), `${app}:${port}`).toEqual([prometheusPeer]);
    // The bot's internal port also answers the cloud load balancer's health checks, from address
    // ranges only (never from other pods or namespaces).
    const botInternal = sources('bot', 9464)!;
    const others = botInternal.filter((p) => !isDeepStrictEqual(p, prometheusPeer));
    expect(others.length).toBe(botInternal.length - 1);
    for (const peer of others) expect(Object.keys(peer as object), 'bot:9464 peer').toEqual(['ipBlock']);
    expect(others.length > 0).toBe(overlay !== 'base');
    // The webhook is public (authenticated by its secret token); nothing else on the bot is.
    expect(sources('bot', 8443)).toEqual(['anyone']);
  });

  it('has a ServiceMonitor per app pointing at a Service port named metrics', () => {
    for (const name of ['bot', 'ml-api', 'metrics-exporter']) {
      const sm = find(objects, 'ServiceMonitor', name)['spec'] as { selector: Parameters<typeof matches>[0]; endpoints: { port: string; path: string }[] };
      const svc = objects.find((o) => o.kind === 'Service' && matches(sm.selector, (o.metadata['labels'] as Record<string, string>) ?? {}));
      expect(svc, `Service for ServiceMonitor ${name}`).toBeDefined();
      expect(sm.endpoints[0]).toMatchObject({ port: 'metrics', path: '/metrics' });
      expect(((svc!['spec'] as { ports: { name: string }[] }).ports).map((p) => p.name)).toContain('metrics');
    }
  });

  it('references secrets instead of carrying them', () => {
    expect(objects.filter((o) => o.kind === 'Secret').map(objectKey)).toEqual([]);
    const referenced = new Set<string>();
    const required = new Set<string>();
    for (const o of objects) for (const c of podContainers(o)) for (const e of (c['env'] as { valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }[] | undefined) ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref) {
        expect(ref.name).toBe('docrag-secrets');
        referenced.add(ref.key);
        if (!ref.optional) required.add(ref.key);
      }
    }
    expect(referenced.size).toBeGreaterThan(0);
    if (overlay === 'overlays/gke-gpu') {
      const es = find(objects, 'ExternalSecret', 'docrag-secrets')['spec'] as { target: { name: string }; data: { secretKey: string }[] };
      expect(es.target.name).toBe('docrag-secrets');
      // Every key a pod cannot start without is synced; nothing is synced that no pod reads.
      const synced = es.data.map((d) => d.secretKey);
      expect([...required].filter((k) => !synced.includes(k)), 'required keys not synced').toEqual([]);
      expect(synced.filter((k) => !referenced.has(k)), 'synced keys nobody reads').toEqual([]);
    }
    if (overlay === 'overlays/eks-gpu') expect(find(objects, 'ExternalSecret', 'docrag-secrets')['spec']).toMatchObject({ target: { name: 'docrag-secrets' }, dataFrom: [{ extract: { key: 'docrag/production' } }] });
  });

  it.skipIf(overlay === 'base')('health-checks the webhook backend on the bot readiness route, not on the webhook port', () => {
    const readiness = podContainers(find(objects, 'Deployment', 'bot'))[0]!['readinessProbe'] as { httpGet: { path: string; port: string } };
    const ports = podContainers(find(objects, 'Deployment', 'bot'))[0]!['ports'] as { name: string; containerPort: number }[];
    const readinessPort = ports.find((p) => p.name === readiness.httpGet.port)!.containerPort;
    const ingress = find(objects, 'Ingress', 'bot');
    const annotations = (ingress.metadata['annotations'] ?? {}) as Record<string, string>;
    if (overlay === 'overlays/eks-gpu') {
      expect(Number(annotations['alb.ingress.kubernetes.io/healthcheck-port'])).toBe(readinessPort);
      expect(annotations['alb.ingress.kubernetes.io/healthcheck-path']).toBe(readiness.httpGet.path);
      return;
    }
    const svc = find(objects, 'Service', 'bot');
    const ref = JSON.parse(((svc.metadata['annotations'] ?? {}) as Record<string, string>)['cloud.google.com/backend-config'] ?? '{}') as { ports?: Record<string, string> };
    const backend = find(objects, 'BackendConfig', ref.ports?.['webhook'] ?? '(none)')['spec'] as { healthCheck: { port: number; requestPath: string } };
    expect(backend.healthCheck).toMatchObject({ port: readinessPort, requestPath: readiness.httpGet.path });
    const certificate = find(objects, 'ManagedCertificate', annotations['networking.gke.io/managed-certificates']!)['spec'] as { domains: string[] };
    expect(certificate.domains).toEqual((ingress['spec'] as { rules: { host: string }[] }).rules.map((r) => r.host));
  });

  it(overlay === 'base' ? 'runs the ml-api on CPU in the base' : 'schedules the ml-api on GPU nodes with one nvidia.com/gpu', () => {
    const ml = find(objects, 'Deployment', 'ml-api');
    const spec = podSpec(ml)!;
    const resources = podContainers(ml)[0]!['resources'] as { requests: Record<string, string>; limits: Record<string, string> };
    const variant = (find(objects, 'ConfigMap', 'ml-api-config')['data'] as Record<string, string>)['MODEL_VARIANT'];
    if (overlay === 'base') {
      expect(resources.limits['nvidia.com/gpu']).toBeUndefined();
      expect(variant).toBe('int8');
      return;
    }
    expect(resources.limits['nvidia.com/gpu']).toBe('1');
    expect(resources.requests['nvidia.com/gpu']).toBe('1');
    expect(spec['tolerations']).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(Object.keys(spec['nodeSelector'] as object)).toHaveLength(1);
    expect(variant).toBe('fp32');
  });
});

describe('Helm values', () => {
  it('runs Qdrant distributed: 3 peers, replication factor 2, unprivileged pinned image, PDB, spread over nodes', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form Helm values, asserted field by field
    const v = readYaml<Record<string, any>>('infra/k8s/qdrant/values.yaml');
    expect(v['replicaCount']).toBe(3);
    expect(v['config'].cluster.enabled).toBe(true);
    expect(v['config'].cluster.p2p.port).toBe(6335);
    expect(v['config'].storage.collection.replication_factor).toBe(2);
    expect(v['image']).toMatchObject({ useUnprivilegedImage: true });
    expect(v['image'].tag).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(v['podDisruptionBudget']).toMatchObject({ enabled: true, maxUnavailable: 1 });
    expect(v['containerSecurityContext']).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false });
    expect(v['apiKey'].valueFrom.secretKeyRef).toEqual({ name: 'docrag-secrets', key: 'qdrant-api-key' });
  });

  it('exposes the ml-api queue depth to the HPA through prometheus-adapter', () => {
    const v = readYaml<{ rules: { custom: { seriesQuery: string; name: { as: string } }[] } }>('infra/k8s/prometheus-adapter/values.yaml');
    const rule = v.rules.custom.find((r) => r.name.as === ML_QUEUE_DEPTH.name);
    expect(rule?.seriesQuery).toContain(ML_QUEUE_DEPTH.name);
  });
});
