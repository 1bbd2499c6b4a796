import { z } from 'zod';

/**
 * Machine-readable error codes of the ml-api. Every non-2xx answer has the body
 * `{ error: { code, message } }` with one of these codes; clients switch on `code`, never on
 * the message.
 */
export const ML_ERROR_CODES = [
  /** Body is not valid JSON, or a field has the wrong type or shape. */
  'invalid_request',
  /** No text / no document / an empty string where content is required. */
  'empty_input',
  /** More than `MAX_TEXTS_PER_REQUEST` texts. */
  'too_many_texts',
  /** More than `MAX_RERANK_DOCUMENTS` documents in a rerank. */
  'too_many_documents',
  /** Body larger than the server's `MAX_BODY_BYTES`. */
  'payload_too_large',
  /** Body is not `application/json`. */
  'unsupported_media_type',
  /** `ML_API_KEY` is set and the bearer token is missing or wrong. */
  'unauthorized',
  'not_found',
  'method_not_allowed',
  /** The model the request needs (dense embedder or reranker) is not loaded. */
  'model_unavailable',
  /** The batching queue is full: retry after the `Retry-After` header. */
  'overloaded',
  /** The server is still loading its models. */
  'not_ready',
  /** Anything unexpected; details are in the server log, never in the body. */
  'internal_error',
] as const;

export type MlErrorCode = (typeof ML_ERROR_CODES)[number];

/** The HTTP status that goes with each code. */
export const ML_ERROR_STATUS: Readonly<Record<MlErrorCode, number>> = {
  invalid_request: 400,
  empty_input: 400,
  too_many_texts: 400,
  too_many_documents: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  model_unavailable: 503,
  overloaded: 503,
  not_ready: 503,
  internal_error: 500,
};

/** Codes after which the same request may succeed later (clients may retry with backoff). */
export const RETRYABLE_ML_ERROR_CODES: ReadonlySet<MlErrorCode> = new Set(['overloaded', 'not_ready', 'internal_error']);

export const mlErrorCodeSchema = z.enum(ML_ERROR_CODES);

/** One validation problem, for humans: `texts.3: must not be empty`. */
export const mlErrorIssueSchema = z.object({
  path: z.string(),
  message: z.string(),
});

/** The error body of every non-2xx answer. */
export const mlErrorBodySchema = z.object({
  error: z.object({
    code: mlErrorCodeSchema,
    message: z.string(),
    /** Validation problems, when the code comes from request validation. */
    issues: z.array(mlErrorIssueSchema).optional(),
  }),
});

export type MlErrorIssue = z.infer<typeof mlErrorIssueSchema>;
export type MlErrorBody = z.infer<typeof mlErrorBodySchema>;

/**
 * Maps a failed request validation to one error code and message. The most specific code wins:
 * a limit (`too_many_*`), then an empty input, then the generic `invalid_request`, so that a
 * client can tell "split the batch" from "fix your code".
 */
export function mlErrorFromIssues(issues: readonly z.core.$ZodIssue[]): MlErrorBody {
  const code = classify(issues);
  const list: MlErrorIssue[] = issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
  const firstIndex = Math.max(0, issues.findIndex((issue) => classifyOne(issue) === code));
  const first = list[firstIndex];
  const message = first ? (first.path === '(body)' ? first.message : `${first.path}: ${first.message}`) : 'invalid request';
  return { error: { code, message, issues: list } };
}

const PRIORITY: readonly MlErrorCode[] = ['too_many_texts', 'too_many_documents', 'empty_input', 'invalid_request'];

function classify(issues: readonly z.core.$ZodIssue[]): MlErrorCode {
  const codes = new Set(issues.map(classifyOne));
  return PRIORITY.find((c) => codes.has(c)) ?? 'invalid_request';
}

function classifyOne(issue: z.core.$ZodIssue): MlErrorCode {
  const field = issue.path[0];
  if (issue.code === 'too_big' && issue.origin === 'array') {
    if (field === 'documents') return 'too_many_documents';
    if (field === 'texts' || field === 'input') return 'too_many_texts';
  }
  if (issue.code === 'too_small' && (issue.origin === 'array' || issue.origin === 'string')) return 'empty_input';
  if (issue.code === 'custom' && issue.params?.['code'] === 'empty_input') return 'empty_input';
  return 'invalid_request';
}

/** Result of `parseMlRequest`: the parsed value, or the error body to send back. */
export type MlParseResult<T> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly error: MlErrorBody };

/**
 * Validates a request body with one of this lib's schemas and, on failure, builds the error body
 * the server answers with (see `mlErrorFromIssues`).
 */
export function parseMlRequest<S extends z.ZodType>(schema: S, value: unknown): MlParseResult<z.output<S>> {
  const result = schema.safeParse(value);
  return result.success ? { ok: true, data: result.data } : { ok: false, error: mlErrorFromIssues(result.error.issues) };
}
