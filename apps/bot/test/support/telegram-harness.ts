/**
 * telegram-test-api (the Bot API emulator) with a small proxy in front of it. The emulator knows
 * getMe, getUpdates, sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage,
 * answerCallbackQuery and set/deleteWebhook; the proxy serves what it lacks (getFile and file
 * downloads, sendMessageDraft, setMyCommands, sendChatAction; set/deleteWebhook are only recorded),
 * gives getUpdates long-poll
 * semantics (the emulator answers at once, which would make a poller spin), records every call,
 * and can inject scripted failures such as a 429 with retry_after.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import TelegramServer from 'telegram-test-api';

export interface ProxyCall {
  readonly method: string;
  readonly payload: Record<string, unknown>;
  readonly at: number;
  /** HTTP status the bot got back (set once answered). */
  status?: number;
}

type Fault = { method: string; match?: (payload: Record<string, unknown>) => boolean; reply: { status: number; body: unknown } };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parsePayload(body: Buffer, contentType: string | undefined, query: URLSearchParams): Record<string, unknown> {
  const payload: Record<string, unknown> = Object.fromEntries(query);
  if (body.length === 0) return payload;
  if (contentType?.includes('application/json')) return { ...payload, ...(JSON.parse(body.toString('utf8')) as Record<string, unknown>) };
  if (contentType?.includes('application/x-www-form-urlencoded')) return { ...payload, ...Object.fromEntries(new URLSearchParams(body.toString('utf8'))) };
  return payload;
}

export interface TelegramHarness {
  readonly server: InstanceType<typeof TelegramServer>;
  /** Give this to the bot as TELEGRAM_API_ROOT. */
  readonly apiRoot: string;
  readonly calls: ProxyCall[];
  /** Makes a file downloadable; returns its file_id. */
  addFile(bytes: Uint8Array, name: string): string;
  /** The next call of `method` (matching `match`) gets this reply instead of reaching the emulator. */
  inject(fault: Fault): void;
  callsOf(method: string, chatId?: number): ProxyCall[];
  /** Resolves when `predicate` holds for the recorded calls (polls every 20 ms). */
  waitFor(predicate: (calls: readonly ProxyCall[]) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startTelegramHarness(token: string): Promise<TelegramHarness> {
  const emulatorPort = await freePort();
  const server = new TelegramServer({ port: emulatorPort, host: '127.0.0.1', storeTimeout: 600 });
  await server.start();
  const emulator = server.config.apiURL;
  const calls: ProxyCall[] = [];
  const files = new Map<string, { bytes: Uint8Array; path: string }>();
  const faults: Fault[] = [];
  let fileCounter = 0;

  const proxy: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://proxy');
      const body = await readBody(req);
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      };
      const download = /^\/file\/bot[^/]+\/(.+)$/.exec(url.pathname);
      if (download) {
        const file = [...files.values()].find((f) => f.path === download[1]);
        if (!file) return send(404, { ok: false, error_code: 404, description: 'Not Found' });
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from(file.bytes));
        return;
      }
      const api = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname);
      if (!api) return send(404, { ok: false, error_code: 404, description: 'Not Found' });
      const method = api[2] ?? '';
      const payload = parsePayload(body, req.headers['content-type'], url.searchParams);
      const call: ProxyCall = { method, payload, at: performance.now() };
      calls.push(call);
      res.on('finish', () => (call.status = res.statusCode));
      const faultIndex = faults.findIndex((f) => f.method === method && (!f.match || f.match(payload)));
      if (faultIndex >= 0) {
        const [fault] = faults.splice(faultIndex, 1);
        return send(fault!.reply.status, fault!.reply.body);
      }
      switch (method) {
        case 'getFile': {
          const file = files.get(String(payload['file_id']));
          if (!file) return send(400, { ok: false, error_code: 400, description: 'Bad Request: invalid file_id' });
          return send(200, { ok: true, result: { file_id: payload['file_id'], file_unique_id: `u${String(payload['file_id'])}`, file_size: file.bytes.byteLength, file_path: file.path } });
        }
        // set/deleteWebhook are recorded, not forwarded: the emulator would start POSTing updates
        // without the secret header.
        case 'sendMessageDraft':
        case 'setMyCommands':
        case 'sendChatAction':
        case 'setWebhook':
        case 'deleteWebhook':
          return send(200, { ok: true, result: true });
        case 'getUpdates': {
          // Long polling: wait for something to arrive, up to `timeout` seconds (capped for tests).
          // The emulator marks what it returns as read, so a poll whose client went away (a
          // stopped bot) must stop fetching, or it would swallow the next bot's updates.
          let gone = false;
          res.on('close', () => (gone = true));
          const deadline = Date.now() + Math.min(Number(payload['timeout'] ?? 0), 1) * 1000;
          let updates = server.getUpdates(token);
          while (updates.length === 0 && Date.now() < deadline && !gone) {
            await new Promise((r) => setTimeout(r, 20));
            if (!gone) updates = server.getUpdates(token);
          }
          return send(200, { ok: true, result: updates });
        }
        default: {
          const forwarded = await fetch(`${emulator}${url.pathname}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(payload),
          });
          res.writeHead(forwarded.status, { 'content-type': 'application/json' }).end(await forwarded.text());
        }
      }
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const apiRoot = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  return {
    server,
    apiRoot,
    calls,
    addFile(bytes, name) {
      const id = `file${++fileCounter}`;
      files.set(id, { bytes, path: `documents/${id}-${name.replace(/[^\w.-]/g, '_')}` });
      return id;
    },
    inject(fault) {
      faults.push(fault);
    },
    callsOf(method, chatId) {
      return calls.filter((c) => c.method === method && (chatId === undefined || Number(c.payload['chat_id']) === chatId));
    },
    async waitFor(predicate, timeoutMs = 15_000, what = 'condition') {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(calls)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last calls: ${JSON.stringify(calls.slice(-5).map((c) => [c.method, String(c.payload['text'] ?? '').slice(0, 120)]))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      proxy.closeAllConnections();
      await server.stop();
    },
  };
}
