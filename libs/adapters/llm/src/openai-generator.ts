/**
 * The only file that imports the `openai` SDK. It speaks the OpenAI chat-completions protocol, which
 * OpenAI, Azure-compatible gateways, OpenRouter, vLLM and Ollama (`/v1`) all serve, so `baseURL` is
 * the whole of provider selection.
 */
import OpenAI from 'openai';
import type { GenerateRequest, GenerationEvent, Generator, GeneratorInfo, TokenUsage } from '@docrag/domain';
import { RagError } from '@docrag/domain';
import { backoffDelayMs, DEFAULT_BACKOFF, parseRetryAfterMs, sleep } from './retry-policy';
import type { BackoffOptions } from './retry-policy';

/** Plain options; the app maps its env variables (see docs) onto them. */
export interface OpenAiGeneratorOptions {
  /** `OPENAI_API_KEY`. Local servers (Ollama, vLLM) accept any non-empty value. */
  readonly apiKey: string;
  /** `OPENAI_BASE_URL`, e.g. `http://127.0.0.1:11434/v1` for Ollama. Default: OpenAI. */
  readonly baseURL?: string;
  /** `DEFAULT_MODEL` (gpt-4o). */
  readonly model: string;
  /** `LLM_MAX_TOKENS`: `max_tokens` of every request; also bounds the per-user token budget. */
  readonly maxTokens: number;
  /**
   * `HTTP_TIMEOUT` in ms. Applies twice: to the wait for response headers, and to the gap between
   * two streamed chunks. The SDK's own timeout stops at the headers, so a server that stalls
   * mid-stream would otherwise hang the answer forever.
   */
  readonly timeoutMs: number;
  /** Retries on 429, 408/409, 5xx, timeouts and connection errors (default 3). */
  readonly maxRetries?: number;
  /**
   * A `retry-after` longer than this is not waited out: the error goes straight to the user ("the
   * model is busy, try again in N s") instead of holding their answer (default 20 s).
   */
  readonly maxRetryAfterMs?: number;
  readonly backoff?: BackoffOptions;
  readonly temperature?: number;
  /** Custom fetch (tests, proxies). Default: the global fetch, which the undici instrumentation traces. */
  readonly fetch?: typeof fetch;
  /** Jitter source, injectable for deterministic tests. */
  readonly random?: () => number;
}

interface MappedError {
  readonly error: RagError;
  readonly retryable: boolean;
}

/**
 * Streams chat completions from an OpenAI-compatible server.
 *
 * Retries are done here rather than by the SDK (`maxRetries: 0` on the client) because the SDK's
 * sleep cannot be cancelled and waits out any `retry-after`, however long; ours stops on `/cancel`
 * and hands long waits back to the user. Retries only happen before the first delta: once text has
 * been streamed to a chat, repeating the request would repeat the text.
 *
 * @example
 * const llm = new OpenAiGenerator({ apiKey, model: 'gpt-4o', maxTokens: 1024, timeoutMs: 60_000 });
 * for await (const event of llm.generate({ messages, sources, question })) { ... }
 */
export class OpenAiGenerator implements Generator {
  readonly info: GeneratorInfo;
  private readonly client: OpenAI;
  private readonly maxRetries: number;
  private readonly maxRetryAfterMs: number;
  private readonly backoff: BackoffOptions;
  private readonly random: () => number;
  /** Request fields this server accepts, learnt from its 400 answers (see adaptDialect). */
  private readonly dialect: { maxTokensField: 'max_tokens' | 'max_completion_tokens'; usage: boolean } = { maxTokensField: 'max_tokens', usage: true };

  constructor(private readonly options: OpenAiGeneratorOptions) {
    if (!options.apiKey) throw new RagError({ code: 'invalid_input', reason: 'OPENAI_API_KEY is empty' });
    if (!(options.maxTokens > 0)) throw new RagError({ code: 'invalid_input', reason: `LLM_MAX_TOKENS must be positive, got ${options.maxTokens}` });
    if (!(options.timeoutMs > 0)) throw new RagError({ code: 'invalid_input', reason: `HTTP_TIMEOUT must be positive, got ${options.timeoutMs}` });
    this.info = { model: options.model, kind: 'llm' };
    this.maxRetries = options.maxRetries ?? 3;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 20_000;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.random = options.random ?? Math.random;
    this.client = new OpenAI({
      apiKey: options.apiKey,
      ...(options.baseURL ? { baseURL: options.baseURL } : {}),
      timeout: options.timeoutMs,
      maxRetries: 0,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  async *generate(request: GenerateRequest): AsyncIterable<GenerationEvent> {
    const signal = request.signal;
    const stream = await this.open(request);
    const iterator = stream[Symbol.asyncIterator]();
    let finishReason: string | undefined;
    let model = this.options.model;
    let usage: TokenUsage | undefined;
    try {
      for (;;) {
        const next = await this.nextWithin(iterator, stream.controller, signal);
        if (next.done) break;
        const chunk = next.value;
        if (chunk.model) model = chunk.model;
        if (chunk.usage) usage = { inputTokens: chunk.usage.prompt_tokens, outputTokens: chunk.usage.completion_tokens };
        for (const choice of chunk.choices) {
          if (choice.index !== 0) continue;
          const text = choice.delta?.content;
          if (text) yield { type: 'delta', text };
          if (choice.finish_reason) finishReason = choice.finish_reason;
        }
      }
    } catch (error) {
      throw this.map(error, signal).error;
    } finally {
      // Stops the HTTP stream when the consumer leaves early (break, /cancel, error).
      if (!stream.controller.signal.aborted) stream.controller.abort();
    }
    if (signal?.aborted) throw new RagError({ code: 'cancelled' });
    yield { type: 'done', finishReason: finishReason ?? 'unknown', model, ...(usage ? { usage } : {}) };
  }

  /** Opens the stream, retrying what is worth retrying. */
  private async open(request: GenerateRequest) {
    const signal = request.signal;
    const temperature = request.temperature ?? this.options.temperature;
    const maxTokens = Math.min(request.maxTokens ?? this.options.maxTokens, this.options.maxTokens);
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw new RagError({ code: 'cancelled' });
      try {
        return await this.client.chat.completions.create(
          {
            model: this.options.model,
            messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
            stream: true,
            // The usage arrives in one extra chunk after the last delta (choices: []).
            ...(this.dialect.usage ? { stream_options: { include_usage: true } } : {}),
            ...(this.dialect.maxTokensField === 'max_tokens' ? { max_tokens: maxTokens } : { max_completion_tokens: maxTokens }),
            ...(temperature === undefined ? {} : { temperature }),
          },
          { ...(signal ? { signal } : {}), timeout: this.options.timeoutMs, maxRetries: 0 },
        );
      } catch (error) {
        if (this.adaptDialect(error)) continue;
        const mapped = this.map(error, signal);
        const delay = this.retryDelay(mapped, attempt);
        if (delay === undefined) throw mapped.error;
        try {
          await sleep(delay, signal);
        } catch {
          throw new RagError({ code: 'cancelled' });
        }
      }
    }
  }

  /**
   * Servers differ in what they accept: OpenAI's reasoning models refuse `max_tokens` and want
   * `max_completion_tokens`; some older OpenAI-compatible servers refuse `stream_options`. A 400
   * naming one of them switches this generator to the other form, once, and the request is sent
   * again (without counting as a retry).
   */
  private adaptDialect(error: unknown): boolean {
    if (!(error instanceof OpenAI.APIError) || error.status !== 400) return false;
    const text = `${error.message} ${JSON.stringify(error.error ?? '')}`;
    if (this.dialect.maxTokensField === 'max_tokens' && /max_tokens/.test(text) && /max_completion_tokens|unsupported/i.test(text)) {
      this.dialect.maxTokensField = 'max_completion_tokens';
      return true;
    }
    if (this.dialect.usage && /stream_options|include_usage/.test(text)) {
      this.dialect.usage = false;
      return true;
    }
    return false;
  }

  private retryDelay(mapped: MappedError, attempt: number): number | undefined {
    if (!mapped.retryable || attempt >= this.maxRetries) return undefined;
    const detail = mapped.error.detail;
    const asked = 'retryAfterMs' in detail ? detail.retryAfterMs : undefined;
    if (asked !== undefined) return asked <= this.maxRetryAfterMs ? asked : undefined;
    return backoffDelayMs(attempt, this.backoff, this.random);
  }

  /** The next chunk, or a timeout when the server goes quiet for longer than `timeoutMs`. */
  private async nextWithin<T>(iterator: AsyncIterator<T>, controller: AbortController, signal?: AbortSignal): Promise<IteratorResult<T>> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const idle = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new RagError({ code: 'timeout', dependency: 'llm', afterMs: this.options.timeoutMs }, { message: `LLM stream idle for ${this.options.timeoutMs} ms` }));
      }, this.options.timeoutMs);
    });
    let onAbort: (() => void) | undefined;
    const cancelled = new Promise<never>((_, reject) => {
      if (!signal) return;
      onAbort = () => reject(new RagError({ code: 'cancelled' }));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([iterator.next(), idle, cancelled]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  /** One place that turns SDK and network failures into RagError; `cause` is kept for logs only. */
  private map(error: unknown, signal?: AbortSignal): MappedError {
    if (error instanceof RagError) return { error, retryable: error.code === 'timeout' };
    if (signal?.aborted || error instanceof OpenAI.APIUserAbortError) {
      return { error: new RagError({ code: 'cancelled' }, { cause: error }), retryable: false };
    }
    if (error instanceof OpenAI.APIConnectionTimeoutError) {
      return {
        error: new RagError({ code: 'timeout', dependency: 'llm', afterMs: this.options.timeoutMs }, { cause: error }),
        retryable: true,
      };
    }
    if (error instanceof OpenAI.APIConnectionError) {
      return {
        error: new RagError({ code: 'dependency_unavailable', dependency: 'llm' }, { cause: error, message: `LLM server unreachable: ${error.message}` }),
        retryable: true,
      };
    }
    if (error instanceof OpenAI.APIError) {
      const status = error.status;
      const retryAfterMs = parseRetryAfterMs(error.headers ?? undefined);
      const where = `LLM answered HTTP ${status ?? '?'}: ${error.message}`;
      if (status === 429) {
        return {
          error: new RagError({ code: 'rate_limited', dependency: 'llm', ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }, { cause: error, message: where }),
          retryable: true,
        };
      }
      if (status === 404) {
        return { error: new RagError({ code: 'model_unavailable', capability: 'generate' }, { cause: error, message: where }), retryable: false };
      }
      if (status === 400 || status === 413 || status === 422) {
        return {
          error: new RagError({ code: 'invalid_input', reason: `the language model rejected the request (HTTP ${status})` }, { cause: error, message: where }),
          retryable: false,
        };
      }
      const retryable = status === undefined || status === 408 || status === 409 || status >= 500;
      return {
        error: new RagError(
          { code: 'dependency_unavailable', dependency: 'llm', ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
          { cause: error, message: where },
        ),
        retryable,
      };
    }
    return {
      error: new RagError({ code: 'dependency_unavailable', dependency: 'llm' }, { cause: error, message: `LLM call failed: ${String((error as Error)?.message ?? error)}` }),
      retryable: false,
    };
  }
}
