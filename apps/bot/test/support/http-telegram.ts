/**
 * A minimal Bot API server on 127.0.0.1 (port 0) for tests that run the bot in another process
 * (the Deno edge entry): answers the methods the bot calls, serves downloadable files, and records
 * every call so tests can wait for the bot's messages.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ApiCall {
  readonly method: string;
  readonly payload: Record<string, unknown>;
  readonly at: number;
}

export interface HttpTelegram {
  readonly apiRoot: string;
  readonly calls: ApiCall[];
  /** Files served at /file/bot<token>/<path>, by path. */
  readonly files: Map<string, Uint8Array>;
  /** Texts the bot sent or edited into messages (sendMessage, editMessageText), in order. */
  texts(): string[];
  /** Resolves with the first call matching `predicate` (waiting up to `timeoutMs`). */
  waitFor(predicate: (call: ApiCall) => boolean, timeoutMs?: number): Promise<ApiCall>;
  close(): Promise<void>;
}

export const BOT_USER = { id: 777000111, is_bot: true, first_name: 'Docrag', username: 'docrag_test_bot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false };

export async function startHttpTelegram(token: string): Promise<HttpTelegram> {
  const calls: ApiCall[] = [];
  const files = new Map<string, Uint8Array>();
  const waiters: Array<{ predicate: (call: ApiCall) => boolean; resolve: (call: ApiCall) => void }> = [];
  let messageId = 100;

  const result = (method: string, payload: Record<string, unknown>): unknown => {
    const chat = { id: Number(payload['chat_id'] ?? 0), type: Number(payload['chat_id']) < 0 ? 'group' : 'private' };
    switch (method) {
      case 'getMe':
        return BOT_USER;
      case 'sendMessage':
      case 'sendDocument':
        return { message_id: ++messageId, date: Math.floor(Date.now() / 1000), chat, from: BOT_USER, text: payload['text'] };
      case 'editMessageText':
        return { message_id: Number(payload['message_id']), date: Math.floor(Date.now() / 1000), chat, from: BOT_USER, text: payload['text'] };
      case 'getUpdates':
        return [];
      case 'getWebhookInfo':
        return { url: '', has_custom_certificate: false, pending_update_count: 0 };
      case 'getFile': {
        const fileId = String(payload['file_id']);
        const path = `documents/${fileId}`;
        return { file_id: fileId, file_unique_id: `u-${fileId}`, file_size: files.get(path)?.length ?? 0, file_path: path };
      }
      default:
        // sendChatAction, sendMessageDraft, setMyCommands, answerCallbackQuery, deleteMessage...
        return true;
    }
  };

  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    const filePrefix = `/file/bot${token}/`;
    if (url.startsWith(filePrefix)) {
      const bytes = files.get(decodeURIComponent(url.slice(filePrefix.length)));
      if (!bytes) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
      return void res.end(bytes);
    }
    let raw = '';
    req.on('data', (part) => (raw += String(part)));
    req.on('end', () => {
      const match = /^\/bot([^/]+)\/(\w+)/.exec(url);
      if (!match || match[1] !== token) {
        res.writeHead(401, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ ok: false, error_code: 401, description: 'Unauthorized' }));
      }
      const method = match[2] ?? '';
      let payload: Record<string, unknown> = {};
      try {
        payload = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        payload = {};
      }
      const call = { method, payload, at: Date.now() };
      calls.push(call);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(call)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(call);
        }
      }
      const answer = () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, result: result(method, payload) }));
      };
      // A long poll with a timeout waits a little (not the full timeout) so polling bots do not spin.
      if (method === 'getUpdates' && Number(payload['timeout'] ?? 0) > 0) setTimeout(answer, 200);
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

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    calls,
    files,
    texts: () => calls.filter((c) => c.method === 'sendMessage' || c.method === 'editMessageText').map((c) => String(c.payload['text'] ?? '')),
    waitFor(predicate, timeoutMs = 20_000) {
      const seen = calls.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise<ApiCall>((resolve, reject) => {
        const waiter = { predicate, resolve: (call: ApiCall) => (clearTimeout(timer), resolve(call)) };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no matching Bot API call within ${timeoutMs} ms; calls so far: ${calls.map((c) => c.method).join(', ')}`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
