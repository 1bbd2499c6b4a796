import type { Embedder, Embedding } from '@docrag/domain';
import { SpanKind, type Span, type Tracer } from '@opentelemetry/api';
import { ATTR } from '../attributes';
import { withSpan } from '../tracing';

export interface TraceEmbedderOptions {
  /** Model name for the span name and `gen_ai.request.model` (e.g. `bge-small-en-v1.5`, `bm25`). */
  readonly model: string;
  /** `gen_ai.provider.name`; default `docrag.ml-api`. */
  readonly provider?: string;
  /** `server.address` of the embedding service, when remote. */
  readonly serverAddress?: string;
  readonly tracer?: Tracer;
}

/**
 * Wraps an Embedder so each `embed` call is an `embeddings <model>` CLIENT span (GenAI semconv
 * operation `embeddings`). Only counts and the kind are recorded, never the texts.
 */
export function traceEmbedder(inner: Embedder, options: TraceEmbedderOptions): Embedder {
  const provider = options.provider ?? 'docrag.ml-api';
  const name = `embeddings ${options.model}`;
  const tracer = options.tracer ? { tracer: options.tracer } : {};
  const fixed = {
    [ATTR.genAiOperationName]: 'embeddings',
    [ATTR.genAiProviderName]: provider,
    [ATTR.genAiRequestModel]: options.model,
    ...(options.serverAddress ? { [ATTR.serverAddress]: options.serverAddress } : {}),
  };
  const describeResult = (span: Span, result: readonly Embedding[]) => {
    const dense = result[0]?.dense;
    span.setAttribute(ATTR.embedDense, dense !== undefined);
    if (dense) span.setAttribute(ATTR.genAiEmbeddingsDimensionCount, dense.length);
  };
  return {
    describe: (signal) => inner.describe(signal),
    embed: (texts, embedOptions) =>
      withSpan(
        name,
        {
          kind: SpanKind.CLIENT,
          attributes: { ...fixed, [ATTR.embedKind]: embedOptions.kind, [ATTR.embedInputCount]: texts.length },
          ...tracer,
        },
        () => inner.embed(texts, embedOptions),
        describeResult,
      ),
  };
}
