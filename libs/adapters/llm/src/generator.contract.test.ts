import { afterAll, beforeAll } from 'vitest';
import { runGeneratorContract } from '@docrag/testing';
import { ExtractiveGenerator } from './extractive-generator';
import { OpenAiGenerator } from './openai-generator';
import { startFakeOpenAiServer } from '../test/fake-openai-server';
import type { FakeOpenAiServer } from '../test/fake-openai-server';

let server: FakeOpenAiServer;
beforeAll(async () => {
  server = await startFakeOpenAiServer([
    { kind: 'stream', deltas: ['Cats ', 'purr ', 'at ', '25 to 150 Hz ', '[Source 1].'], delayMs: 20, usage: { prompt: 30, completion: 9 } },
  ]);
});
afterAll(() => server.close());

runGeneratorContract(
  'OpenAiGenerator (local SSE server)',
  () => new OpenAiGenerator({ apiKey: 'sk-test', baseURL: server.baseURL, model: 'gpt-test', maxTokens: 64, timeoutMs: 2_000 }),
);
runGeneratorContract('ExtractiveGenerator', () => new ExtractiveGenerator({ pieceChars: 8 }));
