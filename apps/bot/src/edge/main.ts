/**
 * Deno edge entry (webhook only): `deno run --config apps/bot/src/edge/deno.json apps/bot/src/edge/main.ts`
 * or Deno Deploy. Reads the same variables as the Node bot (see docs/edge.md), keeps all state in
 * Deno KV and serves the webhook with `Deno.serve`. Registering the webhook (setWebhook) is left to
 * the deployment step, as an edge isolate may start many times; the command menu is published on
 * each start (idempotent).
 */
import { registerCommands } from '../features/commands';
import { createEdgeApp } from './edge-app';
import type { KvLike } from '../storage/deno-kv-bot-storage';
import { createMemoryKv } from '../storage/memory-kv';

/** The slice of the Deno namespace this entry uses (Deno's own types are not visible to tsc). */
interface DenoLike {
  env: { toObject(): Record<string, string> };
  openKv?: (path?: string) => Promise<KvLike>;
  serve(
    options: { hostname?: string; port?: number; signal?: AbortSignal; onListen?: (addr: { hostname: string; port: number }) => void },
    handler: (request: Request) => Response | Promise<Response>,
  ): { finished: Promise<void> };
  addSignalListener?(signal: 'SIGTERM' | 'SIGINT', handler: () => void): void;
  exit(code: number): never;
}

declare const Deno: DenoLike;

async function main(): Promise<void> {
  const env = Deno.env.toObject();
  // DENO_KV_PATH: empty = the deployment's KV (Deno Deploy) or Deno's default local file;
  // ':memory:' for tests. Without --unstable-kv there is no openKv: fall back to process memory.
  const kvPath = env['DENO_KV_PATH'] || undefined;
  const kv = Deno.openKv ? await Deno.openKv(kvPath) : createMemoryKv();
  if (!Deno.openKv) console.warn(JSON.stringify({ level: 'warn', msg: 'Deno KV unavailable (run with --unstable-kv): state is kept in memory only' }));

  let app;
  try {
    app = createEdgeApp({ env, kv });
  } catch (error) {
    console.error(`docrag edge: ${(error as Error).message}`);
    Deno.exit(1);
  }
  const stop = new AbortController();
  const server = Deno.serve(
    {
      hostname: app.config.WEBHOOK_HOST,
      port: app.config.WEBHOOK_PORT,
      signal: stop.signal,
      onListen: ({ hostname, port }) =>
        console.log(JSON.stringify({ level: 'info', msg: 'edge webhook listening', url: `http://${hostname}:${port}${app.config.WEBHOOK_PATH}` })),
    },
    app.handler,
  );
  // The command menu, once per isolate start: one cheap call, and the menu never lags a deploy.
  void registerCommands(app.bot.api).catch((error: unknown) =>
    console.warn(JSON.stringify({ level: 'warn', msg: 'setMyCommands failed; the menu keeps its previous state', err: String(error) })),
  );
  const shutdown = () => {
    stop.abort();
    void server.finished.then(() => app.close()).then(() => Deno.exit(0));
  };
  Deno.addSignalListener?.('SIGTERM', shutdown);
  Deno.addSignalListener?.('SIGINT', shutdown);
}

await main();
