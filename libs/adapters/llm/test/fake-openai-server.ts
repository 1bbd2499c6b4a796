/**
 * A scripted OpenAI-compatible server on 127.0.0.1 (port 0) for tests: each request to
 * /v1/chat/completions takes the next scripted reply (the last one repeats).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type ScriptedReply =
  | { readonly kind: 'stream'; readonly deltas: readonly string[]; readonly delayMs?: number; readonly usage?: { prompt: number; completion: number }; readonly finishReason?: string; readonly stallAfter?: number }
  | { readonly kind: 'error'; readonly status: number; readonly headers?: Record<string, string>; readonly body?: unknown }
  | { readonly kind: 'hang' };

export interface FakeOpenAiServer {
  readonly baseURL: string;
  /** JSON bodies received, in order. */
  readonly requests: Array<Record<string, unknown>>;
  readonly headers: IncomingMessage['headers'][];
  /** Epoch ms at which each request arrived. */
  readonly arrivals: number[];
  /** Number of streams whose client went away before the end. */
  closedEarly: number;
  script(replies: readonly ScriptedReply[]): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function chunk(id: string, model: string, delta: Record<string, unknown>, finish: string | null): string {
  return `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

export async function startFakeOpenAiServer(initial: readonly ScriptedReply[] = []): Promise<FakeOpenAiServer> {
  let replies = [...initial];
  let served = 0;
  const sockets = new Set<Socket>();
  const state = {
    requests: [] as Array<Record<string, unknown>>,
    headers: [] as IncomingMessage['headers'][],
    arrivals: [] as number[],
    closedEarly: 0,
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let raw = '';
    for await (const part of req) raw += String(part);
    if (req.url !== '/v1/chat/completions') {
      res.writeHead(404).end();
      return;
    }
    state.arrivals.push(Date.now());
    state.headers.push(req.headers);
    const body = JSON.parse(raw) as Record<string, unknown>;
    state.requests.push(body);
    const reply = replies[Math.min(served, replies.length - 1)];
    served++;
    if (!reply) {
      res.writeHead(500).end('no script');
      return;
    }
    if (reply.kind === 'hang') return; // never answers; the client's timeout must fire
    if (reply.kind === 'error') {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.body ?? { error: { message: `scripted ${reply.status}`, type: 'server_error' } }));
      return;
    }
    const model = String(body['model'] ?? 'fake');
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let closed = false;
    res.on('close', () => {
      if (!res.writableEnded) {
        closed = true;
        state.closedEarly++;
      }
    });
    res.write(chunk('c1', model, { role: 'assistant', content: '' }, null));
    for (const [i, delta] of reply.deltas.entries()) {
      if (reply.stallAfter !== undefined && i >= reply.stallAfter) return; // goes silent mid-stream
      if (reply.delayMs) await sleep(reply.delayMs);
      if (closed) return;
      res.write(chunk('c1', model, { content: delta }, null));
    }
    res.write(chunk('c1', model, {}, reply.finishReason ?? 'stop'));
    const streamOptions = body['stream_options'] as { include_usage?: boolean } | undefined;
    if (reply.usage && streamOptions?.include_usage) {
      res.write(
        `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [], usage: { prompt_tokens: reply.usage.prompt, completion_tokens: reply.usage.completion, total_tokens: reply.usage.prompt + reply.usage.completion } })}\n\n`,
      );
    }
    res.end('data: [DONE]\n\n');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return Object.assign(state, {
    baseURL: `http://127.0.0.1:${port}/v1`,
    script(next: readonly ScriptedReply[]) {
      replies = [...next];
      served = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
}
