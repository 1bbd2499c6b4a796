/**
 * An OpenAI-compatible chat-completions server on 127.0.0.1 (port 0) that streams a fixed reply in
 * a few SSE chunks and, when asked (`stream_options.include_usage`), reports token usage. Records
 * every request body so tests can see what the bot sent (condensing prompts, history).
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SseLlm {
  /** Base URL for OPENAI_BASE_URL (ends in /v1). */
  readonly url: string;
  readonly requests: Array<{ messages?: Array<{ role: string; content: string }>; [key: string]: unknown }>;
  /** Pause before each chunk from now on (an answer that is still streaming when the next question comes). */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

export async function startSseLlm(options: { pieces?: readonly string[]; usage?: { prompt: number; completion: number }; delayMs?: number } = {}): Promise<SseLlm> {
  const pieces = options.pieces ?? ['Reciprocal rank fusion ', 'adds 1/(k + rank) ', 'over the lists [Source 1].'];
  const requests: SseLlm['requests'] = [];
  let delayMs = options.delayMs ?? 0;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (p) => (raw += String(p)));
    req.on('end', async () => {
      const body = JSON.parse(raw || '{}') as SseLlm['requests'][number];
      requests.push(body);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object, finish: string | null) =>
        `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'fake-llm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      for (const piece of pieces) {
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        res.write(chunk({ content: piece }, null));
      }
      res.write(chunk({}, 'stop'));
      const wantsUsage = (body['stream_options'] as { include_usage?: boolean } | undefined)?.include_usage;
      if (options.usage && wantsUsage) {
        const { prompt, completion } = options.usage;
        res.write(`data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'fake-llm', choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } })}\n\n`);
      }
      res.end('data: [DONE]\n\n');
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    setDelay: (ms) => {
      delayMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
