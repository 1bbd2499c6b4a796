import { MlApiError } from '../errors';
import { QueueFullError, QueueTimeoutError } from '../batching/micro-batcher';

/** Maps batcher refusals to the API's `overloaded` answer; other errors pass through. */
export function rethrowBatchError(error: unknown, retryAfterSeconds: number): never {
  if (error instanceof QueueFullError || error instanceof QueueTimeoutError) {
    throw new MlApiError('overloaded', `${error.message}; retry after ${retryAfterSeconds} s`, { retryAfterSeconds, cause: error });
  }
  throw error;
}
