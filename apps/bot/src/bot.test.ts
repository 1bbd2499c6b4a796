import { FileId, OwnerId, RagError, type FileRecord, type IngestProgress } from '@docrag/domain';
import { describe, expect, it } from 'vitest';
import { callbackUpdate, documentUpdate, textUpdate } from '../test/support/fake-telegram';
import { makeSource, scriptedAnswerQuestion } from '../test/support/fixtures';
import { makeTestBot } from '../test/support/test-deps';
import { createInFlight } from './services/in-flight';

const sources = [makeSource(1, 'report.pdf', { page: 3, heading: 'Costs' }), makeSource(2, 'notes.docx')];

describe('access', () => {
  it('refuses a user who is not on the allowlist and tells them their id', async () => {
    const answer = scriptedAnswerQuestion({ sources, chunks: ['x'] });
    const { bot, telegram } = makeTestBot({ answerQuestion: answer.fn });
    await bot.handleUpdate(textUpdate('hello', { user: { id: 5 } }));
    expect(answer.inputs).toHaveLength(0);
    expect(telegram.texts().join('\n')).toMatch(/not on its allowlist.*user id is 5/s);
  });

  it('lets admins in and scopes documents to the owner', async () => {
    const answer = scriptedAnswerQuestion({ sources, chunks: ['ok'] });
    const { bot } = makeTestBot({ answerQuestion: answer.fn });
    await bot.handleUpdate(textUpdate('what?', { user: { id: 7 } }));
    await bot.handleUpdate(textUpdate('/ask in the group @docrag_bot', { user: { id: 42 }, chat: { id: -100, type: 'supergroup' } }));
    expect(answer.inputs.map((i) => i.ownerId)).toEqual([OwnerId.user(7), OwnerId.chat(-100)]);
    expect(answer.inputs[1]?.question).toBe('in the group');
    expect(answer.inputs[1]?.chatKey).toBe('-100:42');
  });
});

describe('answers', () => {
  it('streams drafts in private chats and finalises with cited file names and a sources button', async () => {
    const answer = scriptedAnswerQuestion({ sources, chunks: ['The cost is **12 EUR** ', '[Source 1]', '.'], delayMs: 60, usage: { inputTokens: 100, outputTokens: 20 } });
    const { bot, telegram, deps } = makeTestBot({ answerQuestion: answer.fn });
    await bot.handleUpdate(textUpdate('How much does it cost?', { user: { id: 42, language_code: 'de' } }));
    expect(answer.inputs[0]).toMatchObject({ question: 'How much does it cost?', ownerId: 'user:42', chatKey: '42', language: 'de' });
    const drafts = telegram.of('sendMessageDraft');
    expect(drafts.length).toBeGreaterThan(0);
    expect(drafts.every((d) => typeof d.payload['draft_id'] === 'number' && d.payload['draft_id'] !== 0)).toBe(true);
    const final = telegram.of('sendMessage').at(-1)!;
    expect(final.payload['parse_mode']).toBe('HTML');
    expect(final.payload['text']).toContain('<b>12 EUR</b>');
    expect(final.payload['text']).toContain('[1: report.pdf, p. 3]');
    expect(final.payload['text']).toMatch(/Sources:\n\[1\] report\.pdf, p\. 3 — Costs/);
    expect(JSON.stringify(final.payload['reply_markup'])).toContain('"callback_data":"sources"');
    expect((await deps.usage.get(42)).tokens).toBe(120);
  });

  it('shows the last answer\'s sources from /sources and the button', async () => {
    const answer = scriptedAnswerQuestion({ sources, chunks: ['See [Source 2].'] });
    const { bot, telegram } = makeTestBot({ answerQuestion: answer.fn });
    await bot.handleUpdate(textUpdate('/sources'));
    expect(telegram.texts().at(-1)).toMatch(/no answer to show sources for/);
    await bot.handleUpdate(textUpdate('where?'));
    await bot.handleUpdate(callbackUpdate('sources'));
    const text = telegram.texts().at(-1)!;
    expect(text).toContain('[2] notes.docx');
    expect(text).toContain('[1] report.pdf</b> — p. 3, “Costs” <i>(not cited)</i>');
    expect(telegram.of('answerCallbackQuery')).toHaveLength(1);
  });

  it('splits a 10,000-character answer into 3 parts of at most 4096 without losing a word', async () => {
    const words = Array.from({ length: 2000 }, (_, i) => `w${i}`);
    let body = '';
    for (const [i, w] of words.entries()) body += w + (i % 120 === 119 ? '.\n\n' : ' ');
    body = body.slice(0, 10_000);
    const answer = scriptedAnswerQuestion({ sources, chunks: body.match(/[\s\S]{1,500}/g)! });
    const { bot, telegram } = makeTestBot({ answerQuestion: answer.fn });
    await bot.handleUpdate(textUpdate('long please'));
    const parts = telegram.texts();
    expect(parts).toHaveLength(3);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(4096);
    expect(parts.join(' ').split(/\s+/).filter(Boolean)).toEqual(body.split(/\s+/).filter(Boolean));
    expect(JSON.stringify(telegram.of('sendMessage').at(-1)!.payload['reply_markup'])).toContain('sources');
  });

  it('falls back to plain text when Telegram rejects the entities', async () => {
    const answer = scriptedAnswerQuestion({ sources, chunks: ['Use `x < y` and **bold** [Source 1]'] });
    const { bot, telegram } = makeTestBot({ answerQuestion: answer.fn });
    telegram.script((method, p) =>
      method === 'sendMessage' && p['parse_mode'] === 'HTML' ? { ok: false, error_code: 400, description: "Bad Request: can't parse entities: Unsupported start tag" } : undefined,
    );
    await bot.handleUpdate(textUpdate('q'));
    const sends = telegram.of('sendMessage');
    expect(sends).toHaveLength(2);
    expect(sends[1]!.payload['parse_mode']).toBeUndefined();
    expect(sends[1]!.payload['text']).toContain('Use `x < y` and **bold** [1: report.pdf, p. 3]');
  });

  it('honours retry_after on a 429 and still delivers the final message', async () => {
    const answer = scriptedAnswerQuestion({ sources, chunks: ['Final [Source 1]'] });
    const { bot, telegram } = makeTestBot({ answerQuestion: answer.fn });
    let refused = 0;
    telegram.script((method) => (method === 'sendMessage' && refused++ === 0 ? { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } } : undefined));
    await bot.handleUpdate(textUpdate('q'));
    const sends = telegram.of('sendMessage');
    expect(sends).toHaveLength(2);
    expect(sends[1]!.at - sends[0]!.at).toBeGreaterThanOrEqual(950);
    expect(sends[1]!.payload['text']).toContain('Final');
  });

  it('edits one message in groups, at least 1.2 s apart, and answers only as GROUP_POLICY says', async () => {
    const answer = scriptedAnswerQuestion((input) =>
      input.question.includes('part 3') ? { sources, chunks: Array.from({ length: 25 }, (_, i) => `part${i} `), delayMs: 100 } : { sources, chunks: ['short'] },
    );
    const { bot, telegram } = makeTestBot({ answerQuestion: answer.fn, env: { ALLOWED_CHAT_IDS: '-5' } });
    const group = { id: -5, type: 'group' as const };
    await bot.handleUpdate(textUpdate('just chatting', { user: { id: 77 }, chat: group }));
    expect(answer.inputs).toHaveLength(0);
    await bot.handleUpdate(textUpdate('@docrag_bot what is part 3?', { user: { id: 77 }, chat: group }));
    expect(answer.inputs[0]?.question).toBe('what is part 3?');
    expect(telegram.of('sendMessageDraft')).toHaveLength(0);
    const edits = telegram.of('editMessageText');
    expect(edits.length).toBeGreaterThanOrEqual(2);
    // The streamed previews (first send, then edits; the final edit is not throttled) are >= 1.2 s apart.
    const previews = [telegram.of('sendMessage')[0]!, ...edits.slice(0, -1)];
    for (let i = 1; i < previews.length; i++) expect(previews[i]!.at - previews[i - 1]!.at).toBeGreaterThanOrEqual(1150);
    expect(String(edits.at(-1)!.payload['text'])).toContain('part24');
    expect(edits.every((e) => e.payload['message_id'] === edits[0]!.payload['message_id'])).toBe(true);
    expect(telegram.of('sendMessage')).toHaveLength(1);
    await bot.handleUpdate(textUpdate('and part 4?', { user: { id: 77 }, chat: group, replyToBot: true }));
    expect(answer.inputs).toHaveLength(2);
  });

  it('refuses a second question while one runs, and /cancel stops it', async () => {
    const answer = scriptedAnswerQuestion({ sources, chunks: Array.from({ length: 50 }, () => 'word '), delayMs: 20 });
    const { bot, telegram } = makeTestBot({ answerQuestion: answer.fn });
    const first = bot.handleUpdate(textUpdate('long one'));
    await new Promise((r) => setTimeout(r, 100));
    await bot.handleUpdate(textUpdate('another'));
    expect(telegram.texts().join('\n')).toMatch(/still working on your previous request/);
    await bot.handleUpdate(textUpdate('/cancel'));
    await first;
    const texts = telegram.texts();
    expect(texts).toContain('Stopping…');
    expect(texts.at(-1)).toMatch(/⏹ Stopped\./);
    expect(answer.inputs[0]?.signal?.aborted).toBe(true);
  });

  it("says so when /cancel finds the answering server gone, and says nothing is running when nothing is", async () => {
    const inFlight = createInFlight();
    const { bot, telegram } = makeTestBot({ deps: { inFlight: Object.assign(Object.create(inFlight) as typeof inFlight, { requestCancel: async () => 'released' as const }) } });
    await bot.handleUpdate(textUpdate('/cancel'));
    expect(telegram.texts().at(-1)).toBe('That answer had already stopped: the server writing it went away. You can ask again.');
    const idle = makeTestBot();
    await idle.bot.handleUpdate(textUpdate('/cancel'));
    expect(idle.telegram.texts().at(-1)).toBe('Nothing is running.');
  });

  it('stops at the daily token budget', async () => {
    const answer = scriptedAnswerQuestion({ sources, chunks: ['a'], usage: { inputTokens: 600, outputTokens: 0 } });
    const { bot, telegram } = makeTestBot({ answerQuestion: answer.fn, env: { USER_DAILY_TOKENS: '500' } });
    await bot.handleUpdate(textUpdate('one'));
    await bot.handleUpdate(textUpdate('two'));
    expect(answer.inputs).toHaveLength(1);
    expect(telegram.texts().at(-1)).toMatch(/used today's token budget \(600 of 500\)/);
  });

  it('words a busy model with the wait time, never a stack trace', async () => {
    const { bot, telegram } = makeTestBot({
      answerQuestion: async function* () {
        yield* [];
        throw new RagError({ code: 'rate_limited', dependency: 'llm', retryAfterMs: 7000 });
      },
    });
    await bot.handleUpdate(textUpdate('q'));
    expect(telegram.texts().at(-1)).toBe('The model is busy, try again in 7 s.');
  });
});

describe('uploads', () => {
  const record = (over: Partial<FileRecord> = {}): FileRecord => ({
    fileId: FileId.of(OwnerId.user(42), 'a'.repeat(64)),
    ownerId: OwnerId.user(42),
    name: 'guide.docx',
    format: 'docx',
    sha256: 'a'.repeat(64),
    sizeBytes: 2048,
    parentCount: 2,
    chunkCount: 7,
    status: 'ready',
    createdAt: Date.UTC(2026, 10, 25),
    ...over,
  });

  it('checks file_size before getFile', async () => {
    const { bot, telegram } = makeTestBot();
    await bot.handleUpdate(documentUpdate({ name: 'big.pdf', size: 15 * 1024 * 1024 }));
    expect(telegram.of('getFile')).toHaveLength(0);
    expect(telegram.texts().at(-1)).toMatch(/This file is 15\.0 MB; the limit is 10\.0 MB/);
  });

  it('edits one progress message through the stages and reports the chunk count, then duplicates', async () => {
    let seen: IngestProgress[] = [];
    let calls = 0;
    const { bot, telegram } = makeTestBot({
      ingestDocument: async (file, options) => {
        expect(file.ownerId).toBe('user:42');
        expect(file.name).toBe('guide.docx');
        seen = [{ stage: 'parsing' }, { stage: 'chunking' }, { stage: 'embedding', done: 0, total: 7 }, { stage: 'storing' }];
        for (const p of seen) {
          options?.onProgress?.(p);
          await new Promise((r) => setTimeout(r, 5));
        }
        return calls++ === 0 ? { status: 'indexed', file: record() } : { status: 'duplicate', file: record() };
      },
    });
    await bot.handleUpdate(documentUpdate({ name: 'guide.docx', size: 2048 }));
    expect(telegram.texts()).toEqual(['📥 Downloading <b>guide.docx</b>…']);
    const edits = telegram.texts('editMessageText');
    expect(edits.some((t) => t.startsWith('📄 Parsing'))).toBe(true);
    expect(edits.at(-1)).toMatch(/✅ Indexed <b>guide\.docx<\/b>: 7 chunks/);
    expect(telegram.of('getFile')).toHaveLength(1);
    await bot.handleUpdate(documentUpdate({ name: 'guide.docx', size: 2048 }));
    expect(telegram.texts('editMessageText').at(-1)).toMatch(/already indexed \(7 chunks/);
  });

  it.each([
    [new RagError({ code: 'corrupt_file', format: 'pdf', reason: 'no xref table' }), /PDF file looks damaged/],
    [new RagError({ code: 'unsupported_format', detected: 'application/x-msdownload' }), /can't read this kind of file/],
    [new RagError({ code: 'encrypted_file', format: 'pdf' }), /password-protected/],
    [new RagError({ code: 'no_text', format: 'pdf' }), /OCR is not supported/],
    [new RagError({ code: 'archive_limit', format: 'docx', reason: 'uncompressed_size', limit: 100 * 1024 * 1024 }), /zip bomb/],
    [new RagError({ code: 'empty_file' }), /empty/],
  ])('words %s in the progress message', async (error, expected) => {
    const { bot, telegram } = makeTestBot({ ingestDocument: async () => Promise.reject(error) });
    await bot.handleUpdate(documentUpdate({ name: 'x.bin', size: 10 }));
    expect(telegram.texts('editMessageText').at(-1)).toMatch(expected);
  });
});

describe('commands', () => {
  it('/start lists formats, the limit and every command; /settings stores the language', async () => {
    const answer = scriptedAnswerQuestion({ sources: [], chunks: ['nothing'] });
    const { bot, telegram } = makeTestBot({ answerQuestion: answer.fn });
    await bot.handleUpdate(textUpdate('/start'));
    const help = telegram.texts().at(-1)!;
    expect(help).toMatch(/PDF, DOCX, DOC, EPUB, Markdown or plain text, up to 10\.0 MB/);
    for (const c of ['/ask', '/files', '/summarize', '/delete', '/sources', '/stats', '/clear', '/cancel', '/settings']) expect(help).toContain(c);
    await bot.handleUpdate(callbackUpdate('lang:fr'));
    await bot.handleUpdate(textUpdate('bonjour', { user: { id: 42, language_code: 'de' } }));
    expect(answer.inputs.at(-1)?.language).toBe('fr');
  });

  it('/clear empties the history', async () => {
    const { bot, deps, telegram } = makeTestBot();
    await deps.history.append('42', { question: 'q', answer: 'a', at: 1 }, 3);
    await bot.handleUpdate(textUpdate('/clear'));
    expect(await deps.history.load('42')).toEqual([]);
    expect(telegram.texts().at(-1)).toMatch(/History cleared/);
  });
});

describe('library commands', () => {
  async function seed(deps: ReturnType<typeof makeTestBot>['deps']) {
    const ownerId = OwnerId.user(42);
    const sha = 'b'.repeat(64);
    const fileId = FileId.of(ownerId, sha);
    const parents = Array.from({ length: 3 }, (_, i) => ({ ...makeSource(i + 1, 'guide.docx', { text: `Section ${i + 1} text about warranties.` }).parent, fileId, tokenCount: 50 }));
    await deps.store.ensureReady({});
    await deps.store.upsert({
      chunks: parents.map((p, i) => ({ chunk: { ...p, id: `${fileId}#c${i}` as never, parentId: p.id }, embedding: { sparse: { indices: [i + 1], values: [1] } } })),
      parents,
    });
    const file: FileRecord = { fileId, ownerId, name: 'guide.docx', format: 'docx', sha256: sha, sizeBytes: 5000, parentCount: 3, chunkCount: 3, status: 'ready', createdAt: Date.UTC(2026, 10, 20) };
    await deps.registry.put(file);
    return file;
  }

  it('/files lists size, chunks and date; /delete asks first and removes on confirm', async () => {
    const { bot, telegram, deps } = makeTestBot();
    const file = await seed(deps);
    await bot.handleUpdate(textUpdate('/files'));
    expect(telegram.texts().at(-1)).toContain('1. <b>guide.docx</b> — 4.9 KB, 3 chunks, 2026-11-20');
    await bot.handleUpdate(textUpdate('/delete guide'));
    const confirm = telegram.of('sendMessage').at(-1)!;
    expect(String(confirm.payload['text'])).toMatch(/Delete <b>guide\.docx<\/b> \(3 chunks\)\?/);
    const data = JSON.stringify(confirm.payload['reply_markup']).match(/"callback_data":"(del:[0-9a-f]+)"/)![1]!;
    expect(await deps.registry.list(file.ownerId)).toHaveLength(1);
    await bot.handleUpdate(callbackUpdate(data));
    expect(await deps.registry.list(file.ownerId)).toHaveLength(0);
    expect((await deps.store.stats(file.ownerId)).chunks).toBe(0);
    expect(telegram.texts('editMessageText').at(-1)).toMatch(/Deleted <b>guide\.docx<\/b> \(3 chunks removed\)/);
  });

  it('never lets another owner delete or list the file', async () => {
    const { bot, telegram, deps } = makeTestBot();
    const file = await seed(deps);
    await bot.handleUpdate(textUpdate('/files', { user: { id: 43 } }));
    expect(telegram.texts().at(-1)).toMatch(/no documents yet/);
    await bot.handleUpdate(callbackUpdate(`del:${file.sha256.slice(0, 16)}`, { user: { id: 43 } }));
    expect(await deps.registry.list(file.ownerId)).toHaveLength(1);
  });

  it('/summarize map-reduces the parents through the generator', async () => {
    const { bot, telegram, deps } = makeTestBot({ env: { SUMMARY_BATCH_TOKENS: '500' } });
    await seed(deps);
    await bot.handleUpdate(textUpdate('/summarize 1'));
    const final = telegram.of('editMessageText').at(-1)!;
    expect(String(final.payload['text'])).toContain('<b>Summary of guide.docx</b>');
    await bot.handleUpdate(textUpdate('/summarize nothing-like-this'));
    expect(telegram.texts().at(-1)).toMatch(/could not find that file/);
  });

  it('/stats shows your usage and index; admins see everyone', async () => {
    const { bot, telegram, deps } = makeTestBot();
    await seed(deps);
    await deps.usage.record(42, 'tokens', 1234);
    await bot.handleUpdate(textUpdate('/stats'));
    const mine = telegram.texts().at(-1)!;
    expect(mine).toContain('1,234 / 200,000 tokens');
    expect(mine).toContain('1 file, 3 chunks, 3 sections');
    expect(mine).not.toContain('All users');
    await bot.handleUpdate(textUpdate('/stats', { user: { id: 7 } }));
    expect(telegram.texts().at(-1)).toMatch(/All users today<\/b> \(admin\)\n• 42: 1,234 tokens/);
  });

  it('limits incoming messages per user (RATE_LIMIT_MESSAGES per RATE_LIMIT_WINDOW_MS)', async () => {
    const { bot, telegram } = makeTestBot({ env: { RATE_LIMIT_MESSAGES: '2', RATE_LIMIT_WINDOW_MS: '60000' } });
    for (let i = 0; i < 3; i++) await bot.handleUpdate(textUpdate('/help'));
    const texts = telegram.texts();
    expect(texts.filter((t) => t.includes('<b>Commands</b>'))).toHaveLength(2);
    expect(texts.at(-1)).toMatch(/sending messages too fast/);
  });
});

describe('the draft stop button', () => {
  it('stops the running answer like /cancel', async () => {
    const answer = scriptedAnswerQuestion({ sources, chunks: Array.from({ length: 50 }, () => 'word '), delayMs: 20 });
    const { bot, telegram } = makeTestBot({ answerQuestion: answer.fn });
    const running = bot.handleUpdate(textUpdate('long one'));
    await new Promise((r) => setTimeout(r, 150));
    const draft = telegram.of('sendMessageDraft')[0]!;
    expect(draft.payload['can_stop']).toBe(true);
    await bot.handleUpdate({ update_id: 77_777, stopped_message_generation: { chat: { id: 42, type: 'private', first_name: 'U' }, draft_id: draft.payload['draft_id'] as number } } as never);
    await running;
    expect(telegram.texts().at(-1)).toMatch(/⏹ Stopped\./);
    expect(answer.inputs[0]?.signal?.aborted).toBe(true);
  });
});
