/**
 * A fake ml-api on 127.0.0.1 (port 0): validates every request with the real protocol schemas
 * (so a client that sends a bad body fails the test), answers with hashed vectors, and can be
 * scripted to fail the next requests.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { embedRequestSchema, ML_ERROR_STATUS, parseMlRequest, rerankRequestSchema } from '@docrag/ml-protocol';
import type { EmbedResponse, HealthResponse, MlErrorCode, RerankResponse } from '@docrag/ml-protocol';
import type { SparseVector } from '@docrag/domain';
import { hashedDense, hashedSparse, words } from '@docrag/testing';

export interface ScriptedFailure {
  readonly status?: number;
  readonly code?: MlErrorCode;
  readonly retryAfter?: string;
  /** Raw body instead of the protocol's error body. */
  readonly raw?: string;
  /** Close the socket without answering (a network error). */
  readonly drop?: boolean;
  /** Answer after this long (to trigger client timeouts). */
  readonly delayMs?: number;
}

export interface FakeMlApi {
  readonly url: string;
  readonly calls: Array<{ path: string; body: unknown; headers: IncomingHttpHeaders; at: number }>;
  /** Dense dimension; 0 = sparse only. */
  dimension: number;
  /** `/health/ready` answers `loading` (503) this many more times. */
  loadingFor: number;
  /** Require this bearer token when set. */
  apiKey?: string;
  /** Next requests (any path but health) fail like this, in order. */
  failures: ScriptedFailure[];
  /** Override rerank results (e.g. out-of-range indices). */
  rerankOverride?: (documents: string[]) => RerankResponse;
  /** Override embed results (e.g. a wrong count). */
  embedOverride?: (texts: string[]) => unknown;
  close(): Promise<void>;
}

const wire = (v: SparseVector) => ({ indices: [...v.indices], values: [...v.values] });
const json = (status: number, body: unknown, headers: Record<string, string> = {}) => ({ status, body: JSON.stringify(body), headers });

export async function startFakeMlApi(options: { dimension?: number } = {}): Promise<FakeMlApi> {
  const state: Omit<FakeMlApi, 'url' | 'close'> = {
    calls: [],
    dimension: options.dimension ?? 8,
    loadingFor: 0,
    failures: [],
  };

  const route = (path: string, body: unknown, headers: IncomingHttpHeaders) => {
    if (state.apiKey && headers['authorization'] !== `Bearer ${state.apiKey}`) {
      return json(401, { error: { code: 'unauthorized', message: 'missing or wrong bearer token' } });
    }
    if (path === '/health/ready') {
      const loading = state.loadingFor > 0;
      if (loading) state.loadingFor--;
      const health: HealthResponse = {
        status: loading ? 'loading' : 'ready',
        capabilities: { dense: state.dimension > 0, sparse: true, rerank: true },
        dimension: state.dimension > 0 ? state.dimension : null,
        provider: 'cpu',
        models: {
          embed: state.dimension > 0 ? { name: 'fake-minilm', provider: 'cpu', max_length: 256, dimension: state.dimension, pooling: 'mean', load_seconds: 0.1 } : null,
          rerank: { name: 'fake-reranker', provider: 'cpu', max_length: 512, load_seconds: 0.1 },
          sparse: 'bm25-fake-v1',
        },
        notes: [],
        version: 'test',
      };
      return json(loading ? 503 : 200, health);
    }
    if (path === '/embed') {
      const parsed = parseMlRequest(embedRequestSchema, body);
      if (!parsed.ok) return json(ML_ERROR_STATUS[parsed.error.error.code], parsed.error);
      const texts = parsed.data.texts ?? [parsed.data.text!];
      if (state.embedOverride) return json(200, state.embedOverride(texts));
      const response: EmbedResponse = {
        embeddings: texts.map((t) => ({
          ...(state.dimension > 0 ? { dense: hashedDense(t, state.dimension) } : {}),
          sparse: wire(hashedSparse(parsed.data.is_query ? [...new Set(words(t))].join(' ') : t)),
        })),
        dimension: state.dimension > 0 ? state.dimension : null,
        model: { dense: state.dimension > 0 ? 'fake-minilm' : null, sparse: 'bm25-fake-v1' },
        usage: { tokens: texts.reduce((n, t) => n + words(t).length, 0) },
      };
      return json(200, response);
    }
    if (path === '/rerank') {
      const parsed = parseMlRequest(rerankRequestSchema, body);
      if (!parsed.ok) return json(ML_ERROR_STATUS[parsed.error.error.code], parsed.error);
      const { query, documents, top_k } = parsed.data;
      if (state.rerankOverride) return json(200, state.rerankOverride(documents));
      const q = new Set(words(query));
      const results = documents
        .map((d, index) => ({ index, score: words(d).filter((w) => q.has(w)).length - index * 1e-6 }))
        .sort((a, b) => b.score - a.score)
        .slice(0, top_k ?? documents.length);
      return json(200, { results, model: 'fake-reranker' } satisfies RerankResponse);
    }
    return json(404, { error: { code: 'not_found', message: `no route ${path}` } });
  };

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (part) => (raw += String(part)));
    req.on('end', () => {
      const path = req.url ?? '/';
      let body: unknown = undefined;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      state.calls.push({ path, body, headers: req.headers, at: Date.now() });
      const failure = path.startsWith('/health') ? undefined : state.failures.shift();
      const answer = () => {
        if (failure?.drop) {
          req.socket.destroy();
          return;
        }
        if (failure && (failure.status !== undefined || failure.code !== undefined || failure.raw !== undefined)) {
          const code = failure.code ?? 'internal_error';
          const status = failure.status ?? ML_ERROR_STATUS[code];
          res.writeHead(status, { 'content-type': 'application/json', ...(failure.retryAfter ? { 'retry-after': failure.retryAfter } : {}) });
          res.end(failure.raw ?? JSON.stringify({ error: { code, message: `scripted ${code}` } }));
          return;
        }
        const out = route(path, body, req.headers);
        res.writeHead(out.status, { 'content-type': 'application/json', ...out.headers });
        res.end(out.body);
      };
      if (failure?.delayMs) setTimeout(answer, failure.delayMs);
      else answer();
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  });
}
