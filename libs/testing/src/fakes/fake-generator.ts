import type { GenerateRequest, GenerationEvent, Generator, GeneratorInfo } from '@docrag/domain';
import { sleep, throwIfAborted } from './text';

export interface FakeGeneratorOptions {
  /** `llm` (default) or `extractive`: the answer use case condenses with an LLM only. */
  readonly kind?: GeneratorInfo['kind'];
  readonly model?: string;
  /**
   * The deltas to stream: fixed pieces, or a function of the request. Default: a one-sentence
   * answer citing `[Source 1]` when sources exist.
   */
  readonly script?: readonly string[] | ((request: GenerateRequest) => readonly string[]);
  /** Delay before each delta (lets tests abort mid-stream). */
  readonly delayMs?: number;
  /** Throw this after `failAfterDeltas` deltas (default 0: before the first). */
  failWith?: Error;
  readonly failAfterDeltas?: number;
}

function defaultScript(request: GenerateRequest): string[] {
  if (request.sources.length === 0) return ['I ', 'do not ', 'know.'];
  return ['The ', 'answer ', 'is in ', 'the document ', '[Source 1].'];
}

/**
 * Scripted streaming generator. Yields the script as deltas, then one `done`; honours the abort
 * signal between deltas and during delays. Records every request in `requests`.
 */
export class FakeGenerator implements Generator {
  readonly info: GeneratorInfo;
  readonly requests: GenerateRequest[] = [];
  failWith: Error | undefined;
  private readonly options: FakeGeneratorOptions;

  constructor(options: FakeGeneratorOptions = {}) {
    this.options = options;
    this.failWith = options.failWith;
    this.info = { model: options.model ?? 'fake-llm', kind: options.kind ?? 'llm' };
  }

  async *generate(request: GenerateRequest): AsyncIterable<GenerationEvent> {
    this.requests.push(request);
    throwIfAborted(request.signal);
    const script = typeof this.options.script === 'function' ? this.options.script(request) : (this.options.script ?? defaultScript(request));
    let output = 0;
    for (const [i, text] of script.entries()) {
      if (this.failWith && i === (this.options.failAfterDeltas ?? 0)) throw this.failWith;
      if (this.options.delayMs) await sleep(this.options.delayMs, request.signal);
      throwIfAborted(request.signal);
      output += text.length;
      yield { type: 'delta', text };
    }
    if (this.failWith && script.length <= (this.options.failAfterDeltas ?? 0)) throw this.failWith;
    const input = request.messages.reduce((n, m) => n + m.content.length, 0);
    // ~4 characters per token: rough, but gives usage a realistic shape.
    yield {
      type: 'done',
      finishReason: 'stop',
      model: this.info.model,
      usage: { inputTokens: Math.ceil(input / 4), outputTokens: Math.ceil(output / 4) },
    };
  }
}
