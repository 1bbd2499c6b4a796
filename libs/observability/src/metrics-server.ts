import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** What a health route answers: a status code and a JSON-serialisable body. */
export interface RouteResult {
  readonly status: number;
  readonly body: unknown;
}

export type RouteHandler = () => RouteResult | Promise<RouteResult>;

export interface MetricsServerOptions {
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** Default `0.0.0.0`; tests bind `127.0.0.1`. */
  readonly host?: string;
  /** Served at `/metrics` when `metricsEnabled` (default true). */
  readonly registry?: Registry;
  /** `METRICS_ENABLED=false` turns `/metrics` off (404) while health routes keep working. */
  readonly metricsEnabled?: boolean;
  /** Runs before each scrape (an exporter refreshes its collectors here); failures are reported, not fatal. */
  readonly beforeScrape?: () => Promise<void>;
  /** Extra GET routes, e.g. `{ '/health/live': ..., '/health/ready': ... }`. */
  readonly routes?: Readonly<Record<string, RouteHandler>>;
  /** Called when a handler fails (the server answers 500 and keeps running). */
  readonly onError?: (error: unknown, path: string) => void;
}

export interface MetricsServer {
  readonly port: number;
  /** `http://host:port` (with 127.0.0.1 for a wildcard host). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The internal HTTP server for `/metrics` and health routes, on its own port so that metrics are
 * never reachable through the public webhook port. Plain node:http: no framework for three routes.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const routes = options.routes ?? {};
  const metricsEnabled = options.metricsEnabled ?? true;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    try {
      if (path === '/metrics' && metricsEnabled && options.registry) {
        if (options.beforeScrape) {
          try {
            await options.beforeScrape();
          } catch (error) {
            options.onError?.(error, path);
          }
        }
        const body = await options.registry.metrics();
        res.writeHead(200, { 'content-type': options.registry.contentType }).end(body);
        return;
      }
      const route = routes[path];
      if (!route) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found', path }));
        return;
      }
      const result = await route();
      res.writeHead(result.status, { 'content-type': 'application/json' }).end(JSON.stringify(result.body));
    } catch (error) {
      options.onError?.(error, path);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'internal error' }));
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  const host = options.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    port,
    url: `http://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
