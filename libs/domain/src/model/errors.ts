import type { DocumentFormat } from './document';

/** The services a use case talks to, for errors and metrics. */
export type Dependency = 'ml-api' | 'vector-store' | 'llm' | 'telegram' | 'storage';

/**
 * Everything that can go wrong, typed by origin. Each app maps these to its transport in one
 * place (the bot to friendly messages, the ml-api to HTTP codes). Messages for users are built
 * from these fields, never from `cause`.
 */
export type RagErrorDetail =
  | { readonly code: 'file_too_large'; readonly sizeBytes: number; readonly limitBytes: number }
  | { readonly code: 'empty_file' }
  | { readonly code: 'unsupported_format'; readonly detected?: string; readonly fileName?: string }
  | { readonly code: 'corrupt_file'; readonly format: DocumentFormat; readonly reason: string }
  | { readonly code: 'encrypted_file'; readonly format: DocumentFormat }
  | { readonly code: 'archive_limit'; readonly format: DocumentFormat; readonly reason: 'uncompressed_size' | 'entry_count'; readonly limit: number }
  | { readonly code: 'no_text'; readonly format: DocumentFormat }
  | { readonly code: 'model_unavailable'; readonly capability: 'dense' | 'rerank' | 'generate' }
  | { readonly code: 'dependency_unavailable'; readonly dependency: Dependency; readonly retryAfterMs?: number }
  | { readonly code: 'rate_limited'; readonly dependency: Dependency; readonly retryAfterMs?: number }
  | { readonly code: 'timeout'; readonly dependency: Dependency; readonly afterMs: number }
  | { readonly code: 'budget_exceeded'; readonly limit: number; readonly used: number }
  | { readonly code: 'not_found'; readonly what: 'file' | 'answer' }
  | { readonly code: 'invalid_input'; readonly reason: string }
  | { readonly code: 'cancelled' };

export type RagErrorCode = RagErrorDetail['code'];

export class RagError extends Error {
  override readonly name = 'RagError';
  constructor(
    readonly detail: RagErrorDetail,
    options?: { cause?: unknown; message?: string },
  ) {
    super(options?.message ?? describeRagError(detail), options?.cause === undefined ? undefined : { cause: options.cause });
  }
  get code(): RagErrorCode {
    return this.detail.code;
  }
}

export function isRagError(value: unknown): value is RagError {
  return value instanceof RagError;
}

/** Narrows to one error code: `if (isRagErrorCode(e, 'no_text')) e.detail.format`. */
export function isRagErrorCode<C extends RagErrorCode>(
  value: unknown,
  code: C,
): value is RagError & { detail: Extract<RagErrorDetail, { code: C }> } {
  return value instanceof RagError && value.detail.code === code;
}

/** A developer-facing one-liner (logs, exceptions). User-facing text lives in each app. */
export function describeRagError(detail: RagErrorDetail): string {
  switch (detail.code) {
    case 'file_too_large':
      return `file is ${detail.sizeBytes} bytes, over the ${detail.limitBytes}-byte limit`;
    case 'empty_file':
      return 'file is empty';
    case 'unsupported_format':
      return `unsupported format${detail.detected ? ` (${detail.detected})` : ''}${detail.fileName ? ` for ${detail.fileName}` : ''}`;
    case 'corrupt_file':
      return `corrupt ${detail.format}: ${detail.reason}`;
    case 'encrypted_file':
      return `${detail.format} is encrypted or password-protected`;
    case 'archive_limit':
      return `${detail.format} archive exceeds its ${detail.reason === 'entry_count' ? 'entry count' : 'uncompressed size'} limit (${detail.limit})`;
    case 'no_text':
      return `no text found in ${detail.format}; OCR is not supported`;
    case 'model_unavailable':
      return `model for ${detail.capability} is not loaded`;
    case 'dependency_unavailable':
      return `${detail.dependency} is unavailable`;
    case 'rate_limited':
      return `${detail.dependency} is rate limiting${detail.retryAfterMs === undefined ? '' : ` (retry after ${detail.retryAfterMs} ms)`}`;
    case 'timeout':
      return `${detail.dependency} did not answer within ${detail.afterMs} ms`;
    case 'budget_exceeded':
      return `token budget exceeded (${detail.used}/${detail.limit})`;
    case 'not_found':
      return `${detail.what} not found`;
    case 'invalid_input':
      return `invalid input: ${detail.reason}`;
    case 'cancelled':
      return 'cancelled';
  }
}
