import type { GenerateRequest, GenerationEvent, Generator } from '@docrag/domain';
import { context, SpanKind, trace, type Span, type Tracer } from '@opentelemetry/api';
import { ATTR } from '../attributes';
import type { BotMetrics } from '../bot-metrics';
import { safely } from '../safe';
import { errorType, getTracer, recordSpanError } from '../tracing';

export interface TraceGeneratorOptions {
  /** `gen_ai.provider.name` (`openai` for any OpenAI-compatible endpoint, `docrag.extractive`...). */
  readonly provider: string;
  /** When given, token usage, estimated cost and LLM errors are counted here. */
  readonly metrics?: Pick<BotMetrics, 'llmUsage' | 'llmError'>;
  /**
   * Record prompt and answer text on the span. Off by default: prompts hold the user's documents
   * (the same default as the official OpenAI instrumentation's `captureMessageContent`).
   */
  readonly captureMessageContent?: boolean;
  readonly now?: () => number;
  readonly tracer?: Tracer;
}

/**
 * Wraps a Generator so each answer stream is one `chat <model>` CLIENT span with the GenAI
 * semconv attributes: request model and limits, usage tokens and finish reasons, plus the time to
 * the first token. The span covers the whole stream and ends when it completes, fails or is
 * abandoned by the consumer.
 */
export function traceGenerator(inner: Generator, options: TraceGeneratorOptions): Generator {
  const now = options.now ?? (() => performance.now());
  return {
    info: inner.info,
    generate(request: GenerateRequest): AsyncIterable<GenerationEvent> {
      const parent = context.active();
      return {
        [Symbol.asyncIterator]: () => {
          const tracer = options.tracer ?? getTracer();
          const model = inner.info.model;
          const span = tracer.startSpan(
            `chat ${model}`,
            {
              kind: SpanKind.CLIENT,
              attributes: {
                [ATTR.genAiOperationName]: 'chat',
                [ATTR.genAiProviderName]: options.provider,
                [ATTR.genAiRequestModel]: model,
                ...(request.maxTokens === undefined ? {} : { [ATTR.genAiRequestMaxTokens]: request.maxTokens }),
                ...(request.temperature === undefined ? {} : { [ATTR.genAiRequestTemperature]: request.temperature }),
              },
            },
            parent,
          );
          if (options.captureMessageContent) {
            safely('generator.capture', () =>
              span.setAttribute(ATTR.genAiInputMessages, JSON.stringify(request.messages.map((m) => ({ role: m.role, content: m.content })))),
            );
          }
          const spanContext = trace.setSpan(parent, span);
          const iterator = context.with(spanContext, () => inner.generate(request)[Symbol.asyncIterator]());
          const started = now();
          let firstToken = true;
          let output = '';
          // Span.end() twice only logs a warning; `isRecording()` is false once ended. No named
          // closure per answer: one costs a defineProperty where names are kept (tsx).
          return {
            async next() {
              let result: IteratorResult<GenerationEvent>;
              try {
                result = await context.with(spanContext, () => iterator.next());
              } catch (error) {
                recordSpanError(span, error);
                options.metrics?.llmError(errorType(error));
                endOnce(span);
                throw error;
              }
              if (result.done) {
                endOnce(span);
                return result;
              }
              const event = result.value;
              safely('generator.event', () => {
                if (event.type === 'delta') {
                  if (firstToken) {
                    firstToken = false;
                    span.setAttribute(ATTR.llmTimeToFirstTokenMs, Math.round(now() - started));
                  }
                  if (options.captureMessageContent) output += event.text;
                } else if (event.type === 'done') {
                  span.setAttribute(ATTR.genAiResponseModel, event.model);
                  span.setAttribute(ATTR.genAiResponseFinishReasons, [event.finishReason]);
                  if (event.usage) {
                    span.setAttribute(ATTR.genAiUsageInputTokens, event.usage.inputTokens);
                    span.setAttribute(ATTR.genAiUsageOutputTokens, event.usage.outputTokens);
                    options.metrics?.llmUsage({ model: event.model, ...event.usage });
                  }
                  if (options.captureMessageContent) {
                    span.setAttribute(ATTR.genAiOutputMessages, JSON.stringify([{ role: 'assistant', content: output }]));
                  }
                }
              });
              return result;
            },
            async return(value?: unknown) {
              endOnce(span);
              return iterator.return ? iterator.return(value) : { done: true, value: undefined };
            },
            async throw(error?: unknown) {
              recordSpanError(span, error);
              endOnce(span);
              if (iterator.throw) return iterator.throw(error);
              throw error;
            },
          };
        },
      };
    },
  };
}

/** Ends a span unless it has ended already (a recording span stops recording when it ends). */
function endOnce(span: Span): void {
  if (span.isRecording()) span.end();
}
