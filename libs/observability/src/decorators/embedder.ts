import type { Embedder } from '@docrag/domain';
import { SpanKind, type Tracer } from '@opentelemetry/api';
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
  return {
    describe: (signal) => inner.describe(signal),
    embed: (texts, embedOptions) =>
      withSpan(
        `embeddings ${options.model}`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            [ATTR.genAiOperationName]: 'embeddings',
            [ATTR.genAiProviderName]: provider,
            [ATTR.genAiRequestModel]: options.model,
            [ATTR.embedKind]: embedOptions.kind,
            [ATTR.embedInputCount]: texts.length,
            ...(options.serverAddress ? { [ATTR.serverAddress]: options.serverAddress } : {}),
          },
          ...(options.tracer ? { tracer: options.tracer } : {}),
        },
        async (span) => {
          const result = await inner.embed(texts, embedOptions);
          const dense = result[0]?.dense;
          span.setAttribute(ATTR.embedDense, dense !== undefined);
          if (dense) span.setAttribute(ATTR.genAiEmbeddingsDimensionCount, dense.length);
          return result;
        },
      ),
  };
}
