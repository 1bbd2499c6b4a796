import type { Reranker } from '@docrag/domain';
import { SpanKind, type Tracer } from '@opentelemetry/api';
import { ATTR } from '../attributes';
import { withSpan } from '../tracing';

export interface TraceRerankerOptions {
  readonly model: string;
  readonly provider?: string;
  readonly tracer?: Tracer;
}

/** Wraps a Reranker so each call is a `rerank` CLIENT span with document counts (never the texts). */
export function traceReranker(inner: Reranker, options: TraceRerankerOptions): Reranker {
  const tracer = options.tracer ? { tracer: options.tracer } : {};
  const fixed = {
    [ATTR.genAiOperationName]: 'rerank',
    [ATTR.genAiProviderName]: options.provider ?? 'docrag.ml-api',
    [ATTR.genAiRequestModel]: options.model,
  };
  return {
    rerank: (query, documents, rerankOptions) =>
      withSpan(
        'rerank',
        {
          kind: SpanKind.CLIENT,
          attributes: {
            ...fixed,
            [ATTR.rerankDocuments]: documents.length,
            ...(rerankOptions?.topK === undefined ? {} : { [ATTR.rerankTopK]: rerankOptions.topK }),
          },
          ...tracer,
        },
        () => inner.rerank(query, documents, rerankOptions),
      ),
  };
}
