/**
 * Span attribute keys. GenAI and database keys follow the OpenTelemetry semantic conventions
 * (https://opentelemetry.io/docs/specs/semconv/gen-ai/ and .../database/), so any tracing backend
 * groups our spans with other GenAI and database clients. Product-specific keys use `docrag.`.
 */
export const ATTR = {
  genAiOperationName: 'gen_ai.operation.name',
  genAiProviderName: 'gen_ai.provider.name',
  genAiRequestModel: 'gen_ai.request.model',
  genAiRequestMaxTokens: 'gen_ai.request.max_tokens',
  genAiRequestTemperature: 'gen_ai.request.temperature',
  genAiResponseModel: 'gen_ai.response.model',
  genAiResponseFinishReasons: 'gen_ai.response.finish_reasons',
  genAiUsageInputTokens: 'gen_ai.usage.input_tokens',
  genAiUsageOutputTokens: 'gen_ai.usage.output_tokens',
  genAiEmbeddingsDimensionCount: 'gen_ai.embeddings.dimension.count',
  genAiInputMessages: 'gen_ai.input.messages',
  genAiOutputMessages: 'gen_ai.output.messages',
  dbSystemName: 'db.system.name',
  dbCollectionName: 'db.collection.name',
  dbOperationName: 'db.operation.name',
  dbResponseReturnedRows: 'db.response.returned_rows',
  serverAddress: 'server.address',
  errorType: 'error.type',
  telegramUpdateType: 'telegram.update.type',
  telegramUpdateId: 'telegram.update.id',
  telegramChatType: 'telegram.chat.type',
  telegramMethod: 'telegram.method',
  telegramErrorCode: 'telegram.error_code',
  embedKind: 'docrag.embed.kind',
  embedInputCount: 'docrag.embed.inputs',
  embedDense: 'docrag.embed.dense',
  retrievalMode: 'docrag.retrieval.mode',
  retrievalLimit: 'docrag.retrieval.limit',
  rerankDocuments: 'docrag.rerank.documents',
  rerankTopK: 'docrag.rerank.top_k',
  llmTimeToFirstTokenMs: 'docrag.llm.time_to_first_token_ms',
  batchSize: 'docrag.batch.size',
  batchTask: 'docrag.batch.task',
} as const;

/** The tracer name our own spans are created under. */
export const TRACER_NAME = '@docrag/observability';
