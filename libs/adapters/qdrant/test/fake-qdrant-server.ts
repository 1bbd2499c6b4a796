import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cosine } from '@docrag/testing';

/**
 * A small in-memory Qdrant REST server for unit tests, on 127.0.0.1 and a free port. It speaks the
 * endpoints the adapter uses with Qdrant's semantics as documented (named dense + sparse vectors,
 * IDF modifier, Query API prefetch + RRF, payload filters, aliases applied atomically, facets,
 * snapshots) and records every request so tests can assert on request shapes. It is a test
 * double, not a Qdrant: the integration suite (`nx run qdrant:test-int`) runs against the real one.
 */

interface Sparse {
  indices: number[];
  values: number[];
}
interface StoredPoint {
  id: string;
  vector: { dense?: number[]; sparse?: Sparse };
  payload: Record<string, unknown>;
}
interface Collection {
  config: Record<string, unknown>;
  denseSize?: number;
  sparseIdf?: boolean;
  points: Map<string, StoredPoint>;
  indexes: Map<string, unknown>;
}
type Condition = { key: string; match: { value?: unknown; any?: unknown[] } };
type Filter = { must?: Condition[] };
interface QueryBody {
  prefetch?: QueryBody[];
  query?: number[] | Sparse | { fusion: string } | { rrf: { k?: number } };
  using?: string;
  filter?: Filter;
  limit?: number;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly body: unknown;
}

export interface InjectedFault {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Only requests whose path contains this. */
  readonly pathIncludes?: string;
  readonly delayMs?: number;
}

export class FakeQdrantServer {
  readonly requests: RecordedRequest[] = [];
  readonly collections = new Map<string, Collection>();
  readonly aliases = new Map<string, string>();
  readonly snapshots: string[] = [];
  private readonly faults: InjectedFault[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next matching request fails with this answer (queue several for several failures). */
  inject(fault: InjectedFault): void {
    this.faults.push(fault);
  }

  /** Requests to a path (substring), e.g. `/points/query`. */
  requestsTo(pathPart: string, method?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.includes(pathPart) && (!method || r.method === method));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const body: unknown = text ? JSON.parse(text) : undefined;
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), body });

    const faultIndex = this.faults.findIndex((f) => !f.pathIncludes || url.pathname.includes(f.pathIncludes));
    if (faultIndex >= 0) {
      const fault = this.faults.splice(faultIndex, 1)[0]!;
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(JSON.stringify(fault.body ?? { status: { error: `injected ${fault.status}` }, time: 0 }));
      return;
    }
    try {
      const result = this.route(method, url.pathname, body as Record<string, unknown> | undefined);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ result, status: 'ok', time: 0.0001 }));
    } catch (error) {
      const status = (error as { status?: number }).status ?? 500;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: { error: (error as Error).message }, time: 0 }));
    }
  }

  private route(method: string, path: string, body: Record<string, unknown> | undefined): unknown {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    if (method === 'GET' && path === '/aliases') {
      return { aliases: [...this.aliases].map(([alias_name, collection_name]) => ({ alias_name, collection_name })) };
    }
    if (method === 'GET' && path === '/collections') return { collections: [...this.collections.keys()].map((name) => ({ name })) };
    if (method === 'POST' && path === '/collections/aliases') return this.updateAliases(body as { actions: Record<string, Record<string, string>>[] });
    if (parts[0] !== 'collections' || parts[1] === undefined) throw httpError(404, `no route ${method} ${path}`);
    const name = parts[1];
    const rest = parts.slice(2).join('/');
    if (method === 'GET' && rest === 'exists') return { exists: this.resolve(name) !== undefined };
    if (method === 'PUT' && rest === '') return this.createCollection(name, body ?? {});
    if (method === 'DELETE' && rest === '') return this.collections.delete(name);
    const collection = this.collection(name);
    switch (`${method} ${rest}`) {
      case 'GET ':
        return this.describe(collection);
      case 'PUT index':
        collection.indexes.set(String(body?.['field_name']), body?.['field_schema']);
        return { operation_id: 1, status: 'completed' };
      case 'PUT points':
        return this.upsert(collection, body as { points: StoredPoint[] });
      case 'POST points':
        return ((body?.['ids'] as string[]) ?? []).map((id) => collection.points.get(id)).filter(Boolean).map((p) => ({ id: p!.id, payload: p!.payload }));
      case 'POST points/query':
        return { points: this.query(collection, body as QueryBody).map(({ p, score }) => ({ id: p.id, version: 1, score, payload: p.payload })) };
      case 'POST points/scroll':
        return this.scroll(collection, body ?? {});
      case 'POST points/count':
        return { count: this.filtered(collection, body?.['filter'] as Filter | undefined).length };
      case 'POST points/delete':
        for (const p of this.filtered(collection, body?.['filter'] as Filter | undefined)) collection.points.delete(p.id);
        return { operation_id: 2, status: 'completed' };
      case 'POST facet':
        return this.facet(collection, body ?? {});
      case 'POST snapshots': {
        const snapshot = `${this.resolve(name)}-${this.snapshots.length + 1}.snapshot`;
        this.snapshots.push(snapshot);
        return { name: snapshot, creation_time: '2026-01-01T00:00:00', size: 1234 };
      }
      default:
        throw httpError(404, `no route ${method} ${path}`);
    }
  }

  private resolve(name: string): string | undefined {
    if (this.collections.has(name)) return name;
    const target = this.aliases.get(name);
    return target && this.collections.has(target) ? target : undefined;
  }

  private collection(name: string): Collection {
    const resolved = this.resolve(name);
    if (!resolved) throw httpError(404, `Not found: Collection \`${name}\` doesn't exist!`);
    return this.collections.get(resolved)!;
  }

  private createCollection(name: string, body: Record<string, unknown>): boolean {
    if (this.collections.has(name)) throw httpError(409, `Wrong input: Collection \`${name}\` already exists!`);
    const vectors = (body['vectors'] ?? {}) as Record<string, { size: number; distance: string }>;
    const sparse = (body['sparse_vectors'] ?? {}) as Record<string, { modifier?: string }>;
    this.collections.set(name, {
      config: body,
      ...(vectors['dense'] ? { denseSize: vectors['dense'].size } : {}),
      ...(sparse['sparse'] ? { sparseIdf: sparse['sparse'].modifier === 'idf' } : {}),
      points: new Map(),
      indexes: new Map(),
    });
    return true;
  }

  private describe(c: Collection): unknown {
    return {
      status: 'green',
      optimizer_status: 'ok',
      segments_count: 2,
      points_count: c.points.size,
      payload_schema: Object.fromEntries(c.indexes),
      config: {
        params: {
          vectors: c.config['vectors'] ?? {},
          sparse_vectors: c.config['sparse_vectors'] ?? undefined,
          shard_number: c.config['shard_number'] ?? 1,
          replication_factor: c.config['replication_factor'] ?? 1,
        },
      },
    };
  }

  private updateAliases(body: { actions: Record<string, Record<string, string>>[] }): boolean {
    const next = new Map(this.aliases);
    for (const action of body.actions) {
      if (action['create_alias']) {
        const { collection_name, alias_name } = action['create_alias'];
        if (!this.collections.has(collection_name!)) throw httpError(404, `Not found: Collection \`${collection_name}\` doesn't exist!`);
        next.set(alias_name!, collection_name!);
      } else if (action['delete_alias']) {
        const alias = action['delete_alias']['alias_name']!;
        if (!next.has(alias)) throw httpError(404, `Not found: Alias \`${alias}\` doesn't exist!`);
        next.delete(alias);
      } else throw httpError(400, 'unknown alias action');
    }
    // All or nothing, like Qdrant.
    this.aliases.clear();
    for (const [k, v] of next) this.aliases.set(k, v);
    return true;
  }

  private upsert(c: Collection, body: { points: StoredPoint[] }): unknown {
    for (const p of body.points) {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(String(p.id))) throw httpError(400, `Format error: invalid point id ${p.id}`);
      for (const name of Object.keys(p.vector ?? {})) {
        if (name === 'dense' && c.denseSize === undefined) throw httpError(400, 'Wrong input: Not existing vector name error: dense');
        if (name === 'sparse' && c.sparseIdf === undefined) throw httpError(400, 'Wrong input: Not existing vector name error: sparse');
      }
      if (p.vector?.dense && p.vector.dense.length !== c.denseSize) {
        throw httpError(400, `Wrong input: Vector dimension error: expected dim: ${c.denseSize}, got ${p.vector.dense.length}`);
      }
    }
    for (const p of body.points) c.points.set(String(p.id), { id: String(p.id), vector: p.vector ?? {}, payload: p.payload ?? {} });
    return { operation_id: 3, status: 'completed' };
  }

  private matches(p: StoredPoint, filter: Filter | undefined): boolean {
    return (filter?.must ?? []).every((cond) => {
      const value = p.payload[cond.key];
      if ('value' in cond.match) return value === cond.match.value;
      if (cond.match.any) return cond.match.any.includes(value);
      return false;
    });
  }

  private filtered(c: Collection, filter: Filter | undefined): StoredPoint[] {
    return [...c.points.values()].filter((p) => this.matches(p, filter));
  }

  private query(c: Collection, body: QueryBody): Array<{ p: StoredPoint; score: number }> {
    const limit = body.limit ?? 10;
    const q = body.query;
    if (body.prefetch?.length) {
      const lists = body.prefetch.map((pre) => this.query(c, pre));
      const k = q && 'rrf' in q ? (q.rrf.k ?? 2) : 2;
      const fused = new Map<string, { p: StoredPoint; score: number }>();
      for (const list of lists) {
        list.forEach((hit, rank) => {
          const entry = fused.get(hit.p.id) ?? { p: hit.p, score: 0 };
          entry.score += 1 / (k + rank + 1);
          fused.set(hit.p.id, entry);
        });
      }
      return [...fused.values()].filter((h) => this.matches(h.p, body.filter)).sort((a, b) => b.score - a.score).slice(0, limit);
    }
    const candidates = this.filtered(c, body.filter);
    if (Array.isArray(q)) {
      if (body.using !== 'dense' || q.length !== c.denseSize) throw httpError(400, 'Wrong input: bad dense query');
      return candidates
        .filter((p) => p.vector.dense)
        .map((p) => ({ p, score: cosine(q, p.vector.dense!) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, limit);
    }
    if (q && 'indices' in q) {
      if (body.using !== 'sparse') throw httpError(400, 'Wrong input: sparse query needs using=sparse');
      const all = [...c.points.values()].filter((p) => p.vector.sparse);
      const idf = (term: number): number => {
        if (!c.sparseIdf) return 1;
        const n = all.filter((p) => p.vector.sparse!.indices.includes(term)).length;
        return Math.log(1 + (all.length - n + 0.5) / (n + 0.5));
      };
      const weights = new Map(q.indices.map((t, i) => [t, q.values[i]! * idf(t)]));
      return candidates
        .filter((p) => p.vector.sparse)
        .map((p) => ({ p, score: p.vector.sparse!.indices.reduce((s, t, i) => s + (weights.get(t) ?? 0) * p.vector.sparse!.values[i]!, 0) }))
        .filter((h) => h.score > 0)
        .sort((a, b) => b.score - a.score)
        .slice(0, limit);
    }
    throw httpError(400, 'Wrong input: unsupported query');
  }

  private scroll(c: Collection, body: Record<string, unknown>): unknown {
    const limit = Number(body['limit'] ?? 10);
    const sorted = this.filtered(c, body['filter'] as Filter | undefined).sort((a, b) => (a.id < b.id ? -1 : 1));
    const start = body['offset'] === undefined ? 0 : sorted.findIndex((p) => p.id >= String(body['offset']));
    const page = start < 0 ? [] : sorted.slice(start, start + limit);
    const next = start >= 0 ? sorted[start + limit] : undefined;
    return { points: page.map((p) => ({ id: p.id, payload: p.payload })), next_page_offset: next ? next.id : null };
  }

  private facet(c: Collection, body: Record<string, unknown>): unknown {
    const key = String(body['key']);
    if (!c.indexes.has(key)) throw httpError(400, `Bad request: Index required but not found for "${key}"`);
    const counts = new Map<string, number>();
    for (const p of this.filtered(c, body['filter'] as Filter | undefined)) {
      const value = p.payload[key];
      if (typeof value === 'string') counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    const hits = [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
    return { hits: hits.slice(0, Number(body['limit'] ?? 10)) };
  }
}


function httpError(status: number, message: string): Error {
  return Object.assign(new Error(message), { status });
}
