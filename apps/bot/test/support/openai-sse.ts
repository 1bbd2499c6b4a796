/**
 * An OpenAI-compatible chat-completions server for tests: streams (SSE) a canned answer that cites
 * [Source 1], condenses follow-ups by joining the conversation's last question with the new one,
 * streams a 10,000-character answer on request, and records every request.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface ChatRequest {
  readonly model: string;
  readonly stream?: boolean;
  readonly messages: { role: string; content: string }[];
}

export interface FakeLlm {
  readonly baseUrl: string;
  readonly requests: ChatRequest[];
  /** Delay before the first token (simulated TTFT), ms. */
  ttftMs: number;
  close(): Promise<void>;
}

export const LONG_ANSWER_MARKER = 'long answer';

/** 10,000 characters of numbered sentences in paragraphs: every word is checkable after splitting. */
export function longAnswer(): string {
  let text = '';
  let i = 0;
  while (text.length < 10_000) {
    text += `Sentence ${++i} explains one more detail of the zorblax warranty terms. `;
    if (i % 12 === 0) text += '\n\n';
  }
  return `${text.slice(0, 9_990).trimEnd()} [Source 1]`;
}

function answerFor(request: ChatRequest): string {
  const system = request.messages[0]?.content ?? '';
  const user = request.messages.at(-1)?.content ?? '';
  if (system.startsWith('Rewrite the user')) {
    const previous = [...user.matchAll(/^User: (.*)$/gmu)].at(-1)?.[1] ?? '';
    const last = /Last message: (.*)$/su.exec(user)?.[1] ?? '';
    // A follow-up ("and ...", "its ...") borrows the previous question's subject; others stand alone.
    const followUp = /^(and|what about)\b|\b(it|its|they|their|that)\b/iu.test(last);
    return followUp ? `${previous} ${last}`.trim() : last;
  }
  const question = /Question: (.*)$/su.exec(user)?.[1] ?? '';
  if (question.toLowerCase().includes(LONG_ANSWER_MARKER)) return longAnswer();
  const first = /\[Source 1\] ([^\n(]+)/u.exec(user)?.[1]?.trim() ?? 'nothing';
  return `Based on **${first}**, here is what I found: the documents answer it [Source 1].`;
}

export async function startFakeLlm(options: { ttftMs?: number; chunkChars?: number } = {}): Promise<FakeLlm> {
  const requests: ChatRequest[] = [];
  const chunkChars = options.chunkChars ?? 40;
  const state = { ttftMs: options.ttftMs ?? 0 };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      void (async () => {
        const body = JSON.parse(raw || '{}') as ChatRequest;
        requests.push(body);
        const text = answerFor(body);
        const id = `chatcmpl-${requests.length}`;
        if (!body.stream) {
          res.writeHead(200, { 'content-type': 'application/json' }).end(
            JSON.stringify({ id, object: 'chat.completion', created: 0, model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage: { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70 } }),
          );
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        if (state.ttftMs > 0) await new Promise((r) => setTimeout(r, state.ttftMs));
        const chunk = (delta: object, finish: string | null = null, usage?: object) =>
          res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`);
        chunk({ role: 'assistant', content: '' });
        for (let i = 0; i < text.length; i += chunkChars) chunk({ content: text.slice(i, i + chunkChars) });
        chunk({}, 'stop');
        res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model: body.model, choices: [], usage: { prompt_tokens: 50, completion_tokens: Math.ceil(text.length / 4), total_tokens: 50 + Math.ceil(text.length / 4) } })}\n\n`);
        res.end('data: [DONE]\n\n');
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    get ttftMs() {
      return state.ttftMs;
    },
    set ttftMs(v: number) {
      state.ttftMs = v;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
