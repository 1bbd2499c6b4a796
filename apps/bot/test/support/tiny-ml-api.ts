/**
 * A tiny ml-api on 127.0.0.1 for tests that run the bot in another process: `/embed` answers with
 * hashed sparse vectors and an 8-dim dense vector, `/rerank` scores by shared words, and
 * `/health/ready` reports both models loaded. Answers are checked against the real protocol
 * schemas, so a drift in the contract fails here too. Records every request.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { embedResponseSchema, healthResponseSchema, rerankResponseSchema } from '@docrag/ml-protocol';
import { hashedDense, hashedSparse, words } from '@docrag/testing';

export interface TinyMlApi {
  readonly url: string;
  readonly calls: Array<{ path: string; body: unknown; headers: IncomingHttpHeaders }>;
  close(): Promise<void>;
}

const DIM = 8;

export async function startTinyMlApi(): Promise<TinyMlApi> {
  const calls: TinyMlApi['calls'] = [];
  const answer = (path: string, body: Record<string, unknown>): unknown => {
    if (path === '/health/ready' || path === '/health') {
      return healthResponseSchema.parse({
        status: 'ready',
        capabilities: { dense: true, sparse: true, rerank: true },
        dimension: DIM,
        provider: 'cpu',
        models: {
          embed: { name: 'tiny-embed', provider: 'cpu', max_length: 256, dimension: DIM, pooling: 'mean', load_seconds: 0 },
          rerank: { name: 'tiny-rerank', provider: 'cpu', max_length: 512, load_seconds: 0 },
          sparse: 'tiny-bm25',
        },
        notes: [],
        version: 'test',
      });
    }
    if (path === '/embed') {
      const texts = (body['texts'] as string[] | undefined) ?? [String(body['text'])];
      return embedResponseSchema.parse({
        embeddings: texts.map((t) => {
          const sparse = hashedSparse(t);
          return { dense: hashedDense(t, DIM), sparse: { indices: [...sparse.indices], values: [...sparse.values] } };
        }),
        dimension: DIM,
        model: { dense: 'tiny-embed', sparse: 'tiny-bm25' },
        usage: { tokens: 0 },
      });
    }
    if (path === '/rerank') {
      const query = new Set(words(String(body['query'])));
      const documents = body['documents'] as string[];
      const results = documents.map((d, index) => ({ index, score: words(d).filter((w) => query.has(w)).length })).sort((a, b) => b.score - a.score);
      return rerankResponseSchema.parse({ results, model: 'tiny-rerank' });
    }
    return undefined;
  };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (p) => (raw += String(p)));
    req.on('end', () => {
      const path = req.url ?? '/';
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      calls.push({ path, body, headers: req.headers });
      const out = answer(path, body);
      res.writeHead(out === undefined ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out ?? { error: { code: 'not_found', message: path } }));
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
