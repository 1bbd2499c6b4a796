import { ML_ERROR_STATUS, type MlErrorBody, type MlErrorCode } from '@docrag/ml-protocol';

/**
 * An error the ml-api answers on purpose. The one error handler (server.ts) turns it into
 * `{ error: { code, message } }` with the code's HTTP status; anything else becomes a 500
 * `internal_error` whose details go to the log only.
 */
export class MlApiError extends Error {
  override readonly name = 'MlApiError';
  constructor(
    readonly code: MlErrorCode,
    message: string,
    readonly extra: { readonly retryAfterSeconds?: number; readonly issues?: MlErrorBody['error']['issues']; readonly cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
  }

  get status(): number {
    return ML_ERROR_STATUS[this.code];
  }

  toBody(): MlErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.extra.issues ? { issues: this.extra.issues } : {}) } };
  }
}
