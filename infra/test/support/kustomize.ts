/**
 * A small kustomize renderer for the subset our manifests use, so the Kubernetes checks run where
 * `kubectl` is absent: `resources` (files and kustomization folders), `namespace`, `images`
 * (newName/newTag/digest) and `patches` in JSON 6902 form (RFC 6902 add/replace/remove with a
 * `target` kind/name). Anything else (strategic-merge patches, generators, components) is refused
 * with a message, so an overlay that grows past the subset fails here instead of rendering wrong.
 * Where kubectl exists the tests render with both and require the same objects.
 */
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isRecord, readText, readYamlDocs } from './repo';

export type K8sObject = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: unknown } };

const SUPPORTED_KEYS = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'images', 'patches']);
/** Kinds kustomize leaves without a namespace. */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'ClusterSecretStore', 'PriorityClass']);

interface ImageRule { name: string; newName?: string; newTag?: string; digest?: string }
interface PatchOp { op: 'add' | 'replace' | 'remove'; path: string; value?: unknown }
interface PatchRule { path?: string; patch?: string; target?: { kind?: string; name?: string } }

/** Renders the kustomization in `dir` (relative to the repository root). */
export function renderKustomization(dir: string): K8sObject[] {
  const k = readYamlDocs(path.join(dir, 'kustomization.yaml'))[0];
  if (!isRecord(k)) throw new Error(`${dir}/kustomization.yaml is empty`);
  for (const key of Object.keys(k)) {
    if (!SUPPORTED_KEYS.has(key)) throw new Error(`${dir}/kustomization.yaml: "${key}" is outside the subset the JS renderer supports`);
  }
  let objects: K8sObject[] = [];
  for (const entry of (k['resources'] as string[] | undefined) ?? []) {
    const rel = path.join(dir, entry);
    if (entry.endsWith('.yaml') || entry.endsWith('.yml')) objects.push(...(readYamlDocs(rel) as K8sObject[]));
    else objects.push(...renderKustomization(rel));
  }
  for (const rule of (k['patches'] as PatchRule[] | undefined) ?? []) objects = applyPatchRule(dir, objects, rule);
  for (const rule of (k['images'] as ImageRule[] | undefined) ?? []) for (const o of objects) applyImage(o, rule);
  const ns = k['namespace'] as string | undefined;
  if (ns) for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = ns;
  return objects;
}

function applyPatchRule(dir: string, objects: K8sObject[], rule: PatchRule): K8sObject[] {
  const text = rule.path ? readText(path.join(dir, rule.path)) : rule.patch;
  if (!text) throw new Error(`${dir}: a patch has neither path nor patch`);
  const parsed = parseAllDocuments(text)[0]?.toJS() as unknown;
  if (!Array.isArray(parsed)) throw new Error(`${dir}: ${rule.path ?? 'inline patch'} is not a JSON 6902 patch (strategic-merge patches are not supported by the JS renderer)`);
  const targets = objects.filter((o) => (!rule.target?.kind || o.kind === rule.target.kind) && (!rule.target?.name || o.metadata.name === rule.target.name));
  if (targets.length === 0) throw new Error(`${dir}: patch ${rule.path ?? ''} matches no resource (${JSON.stringify(rule.target)})`);
  for (const t of targets) for (const op of parsed as PatchOp[]) applyOp(t, op);
  return objects;
}

const unescape = (s: string): string => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** Applies one RFC 6902 operation in place. */
export function applyOp(doc: Record<string, unknown>, op: PatchOp): void {
  const parts = op.path.split('/').slice(1).map(unescape);
  const last = parts.pop();
  if (last === undefined) throw new Error(`patch path "${op.path}" is empty`);
  let node: unknown = doc;
  for (const part of parts) {
    node = Array.isArray(node) ? node[Number(part)] : isRecord(node) ? node[part] : undefined;
    if (node === undefined) throw new Error(`patch path "${op.path}": "${part}" does not exist`);
  }
  const clone = (v: unknown): unknown => (v === undefined ? v : structuredClone(v));
  if (Array.isArray(node)) {
    const index = last === '-' ? node.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > node.length) throw new Error(`patch path "${op.path}": bad array index`);
    if (op.op === 'add') node.splice(index, 0, clone(op.value));
    else if (index >= node.length) throw new Error(`patch path "${op.path}": no element to ${op.op}`);
    else if (op.op === 'replace') node[index] = clone(op.value);
    else node.splice(index, 1);
    return;
  }
  if (!isRecord(node)) throw new Error(`patch path "${op.path}": parent is not an object`);
  if (op.op !== 'add' && !(last in node)) throw new Error(`patch path "${op.path}": nothing to ${op.op}`);
  if (op.op === 'remove') delete node[last];
  else node[last] = clone(op.value);
}

/** Kustomize's image transformer: matches containers whose image name (before tag/digest) equals `rule.name`. */
function applyImage(o: K8sObject, rule: ImageRule): void {
  for (const c of podContainers(o)) {
    const image = String(c['image'] ?? '');
    const at = image.indexOf('@');
    const base = at >= 0 ? image.slice(0, at) : image;
    const colon = base.lastIndexOf(':');
    const name = colon > base.lastIndexOf('/') ? base.slice(0, colon) : base;
    if (name !== rule.name) continue;
    const tag = colon > base.lastIndexOf('/') ? base.slice(colon + 1) : undefined;
    const newName = rule.newName ?? name;
    if (rule.digest) c['image'] = `${newName}@${rule.digest}`;
    else if (rule.newTag) c['image'] = `${newName}:${rule.newTag}`;
    else c['image'] = tag ? `${newName}:${tag}` : newName;
  }
}

/** The pod spec of a workload object (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod). */
export function podSpec(o: K8sObject): Record<string, unknown> | undefined {
  const spec = o['spec'];
  if (!isRecord(spec)) return undefined;
  if (o.kind === 'Pod') return spec;
  if (o.kind === 'CronJob') {
    const job = (spec['jobTemplate'] as Record<string, unknown> | undefined)?.['spec'] as Record<string, unknown> | undefined;
    return ((job?.['template'] as Record<string, unknown> | undefined)?.['spec']) as Record<string, unknown> | undefined;
  }
  const template = spec['template'];
  return isRecord(template) && isRecord(template['spec']) ? template['spec'] : undefined;
}

/** Containers and init containers of a workload object. */
export function podContainers(o: K8sObject): Record<string, unknown>[] {
  const spec = podSpec(o);
  if (!spec) return [];
  return [...((spec['initContainers'] as Record<string, unknown>[] | undefined) ?? []), ...((spec['containers'] as Record<string, unknown>[] | undefined) ?? [])];
}

/** A stable key for comparing renders. */
export const objectKey = (o: K8sObject): string => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
