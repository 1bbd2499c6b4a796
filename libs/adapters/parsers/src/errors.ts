import { RagError, isRagError } from '@docrag/domain';
import type { DocumentFormat } from '@docrag/domain';

/** Longest library message kept in a `corrupt_file` reason (they can embed whole buffers). */
const MAX_REASON_LENGTH = 200;

export function corruptFile(format: DocumentFormat, reason: string, cause?: unknown): RagError {
  return new RagError({ code: 'corrupt_file', format, reason: clip(reason) }, cause === undefined ? undefined : { cause });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RagError({ code: 'cancelled' }, { cause: signal.reason });
}

/**
 * Library errors become `corrupt_file` with the library's message as the reason, so nothing
 * escapes a parser untyped; RagErrors (limits, encryption, cancellation) pass through unchanged.
 */
export function asParserError(format: DocumentFormat, error: unknown): RagError {
  if (isRagError(error)) return error;
  if (error instanceof Error && error.name === 'AbortError') return new RagError({ code: 'cancelled' }, { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return corruptFile(format, message || 'unreadable file', error);
}

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_REASON_LENGTH ? `${oneLine.slice(0, MAX_REASON_LENGTH - 1)}…` : oneLine;
}
