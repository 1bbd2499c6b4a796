import type { Update } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { textUpdate } from '../../test/support/fake-telegram';
import { makeTestBot } from '../../test/support/test-deps';
import { scriptedAnswerQuestion, makeSource } from '../../test/support/fixtures';
import { keepLastMessagePerChat } from './polling';
import { createKeyedQueue, createTaskTracker } from './tasks';
import { createDedupeMiddleware, createDetachMiddleware, createWebhookHandler } from './webhook';
import { adaptiveEditInterval, createThrottledUpdater } from '../streaming/throttle';
import { silentLogger } from '../deps';
import { createMemoryCounters } from '../services/counters';

describe('polling start-up', () => {
  it('keeps only the last message of each chat', () => {
    const u = (id: number, chat: number): Update => ({ update_id: id, message: { message_id: id, date: 0, chat: { id: chat, type: 'private', first_name: 'x' }, text: `m${id}` } }) as Update;
    const callback = { update_id: 9, callback_query: { id: 'c', from: { id: 1, is_bot: false, first_name: 'x' }, chat_instance: 'i', data: 'd' } } as Update;
    expect(keepLastMessagePerChat([u(1, 10), u(2, 20), u(3, 10), callback, u(4, 10)]).map((x) => x.update_id)).toEqual([2, 4]);
  });
});

describe('tasks and ordering', () => {
  it('runs one key at a time and others in parallel', async () => {
    const queue = createKeyedQueue();
    const log: string[] = [];
    const job = (name: string, ms: number) => () => new Promise<void>((r) => setTimeout(() => (log.push(name), r()), ms));
    await Promise.all([queue.run('a', job('a1', 30)), queue.run('a', job('a2', 1)), queue.run('b', job('b1', 5))]);
    expect(log).toEqual(['b1', 'a1', 'a2']);
  });

  it('drains tracked tasks or gives up after the timeout', async () => {
    const tasks = createTaskTracker();
    void tasks.track(new Promise((r) => setTimeout(r, 20)));
    await expect(tasks.drain(1000)).resolves.toBe(true);
    void tasks.track(new Promise((r) => setTimeout(r, 500)));
    await expect(tasks.drain(10)).resolves.toBe(false);
  });
});

describe('throttled previews', () => {
  it('coalesces to the newest text and keeps the interval', async () => {
    const sent: Array<[string, number]> = [];
    const t0 = Date.now();
    const updater = createThrottledUpdater<string>({ intervalMs: () => 100, send: async (text) => void sent.push([text, Date.now() - t0]) });
    for (let i = 0; i < 10; i++) {
      updater.push(`v${i}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    await new Promise((r) => setTimeout(r, 120));
    await updater.close();
    expect(sent[0]![0]).toBe('v0');
    expect(sent.at(-1)![0]).toBe('v9');
    for (let i = 1; i < sent.length; i++) expect(sent[i]![1] - sent[i - 1]![1]).toBeGreaterThanOrEqual(95);
    expect(sent.length).toBeLessThan(6);
  });

  it('grows the group edit interval with the text length', () => {
    const interval = adaptiveEditInterval(1200);
    expect(interval('x'.repeat(10))).toBe(1200);
    expect(interval('x'.repeat(4000))).toBe(2400);
  });
});

describe('webhook', () => {
  const sources = [makeSource(1, 'guide.docx')];

  it('401 without the secret, 200 at once with it, and a redelivered update is handled once', async () => {
    const answer = scriptedAnswerQuestion({ sources, chunks: ['slow', ' answer [Source 1]'], delayMs: 300 });
    const tasks = createTaskTracker();
    const counters = createMemoryCounters();
    const bot = makeTestBot({
      answerQuestion: answer.fn,
      deps: { counters, prelude: [createDedupeMiddleware(counters, silentLogger), createDetachMiddleware(tasks, () => undefined)] },
    });
    const handle = createWebhookHandler(bot.bot, 'sekret');
    const update = textUpdate('question?');
    const request = (secret?: string) =>
      new Request('http://bot/telegram', { method: 'POST', headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) }, body: JSON.stringify(update) });
    expect((await handle(request())).status).toBe(401);
    expect((await handle(request('nope'))).status).toBe(401);
    const t0 = performance.now();
    expect((await handle(request('sekret'))).status).toBe(200);
    expect(performance.now() - t0).toBeLessThan(250);
    expect((await handle(request('sekret'))).status).toBe(200);
    await tasks.drain(5000);
    expect(answer.inputs).toHaveLength(1);
    expect(bot.telegram.texts().filter((t) => t.includes('guide.docx'))).toHaveLength(1);
  });
});
