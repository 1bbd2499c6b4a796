import { SpanKind, trace, type Span, type Tracer } from '@opentelemetry/api';
import { ATTR } from './attributes';
import type { BotMetrics } from './bot-metrics';
import { safely, safeValue } from './safe';
import { activeSpanContext, errorType, recordSpanError, withSpan } from './tracing';

/**
 * The parts of a Telegram update we look at, typed structurally so that this lib never imports
 * grammy (scope:shared must not). Any `Update` from the Bot API fits.
 */
export interface TelegramUpdateLike {
  readonly update_id: number;
  readonly [field: string]: unknown;
}

/** The update type is the one optional field present besides `update_id` (Bot API `Update`). */
export function updateTypeOf(update: TelegramUpdateLike): string {
  return Object.keys(update).find((key) => key !== 'update_id') ?? 'unknown';
}

/** `private`, `group`, `supergroup` or `channel`, wherever the update carries a chat. */
export function chatTypeOf(update: TelegramUpdateLike): string | undefined {
  const payload = update[updateTypeOf(update)] as { chat?: { type?: unknown }; message?: { chat?: { type?: unknown } } } | undefined;
  const type = payload?.chat?.type ?? payload?.message?.chat?.type;
  return typeof type === 'string' ? type : undefined;
}

function userIdOf(update: TelegramUpdateLike): number | undefined {
  const payload = update[updateTypeOf(update)] as { from?: { id?: unknown } } | undefined;
  return typeof payload?.from?.id === 'number' ? payload.from.id : undefined;
}

/**
 * Runs `fn` inside the root span of one update, `telegram.update`. Each update starts its own trace
 * (with webhooks, linked to the HTTP request span that delivered it), so a trace is exactly one
 * update. Only the update type, id and chat type are recorded: never text, names or user ids.
 */
export function withTelegramUpdateSpan<T>(
  update: TelegramUpdateLike,
  fn: (span: Span) => Promise<T>,
  options: { tracer?: Tracer } = {},
): Promise<T> {
  const delivering = activeSpanContext();
  const chatType = safeValue('telegram.chat-type', () => chatTypeOf(update), undefined);
  return withSpan(
    'telegram.update',
    {
      root: true,
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR.telegramUpdateType]: updateTypeOf(update),
        [ATTR.telegramUpdateId]: update.update_id,
        ...(chatType ? { [ATTR.telegramChatType]: chatType } : {}),
      },
      ...(delivering ? { links: [{ context: delivering }] } : {}),
      ...(options.tracer ? { tracer: options.tracer } : {}),
    },
    fn,
  );
}

/**
 * A middleware (grammY's `(ctx, next)` shape) that opens the `telegram.update` root span around the
 * rest of the chain and counts the update and its user for the active-user gauge. Install it first.
 */
export function createTelegramUpdateMiddleware(options: { metrics?: Pick<BotMetrics, 'update'>; tracer?: Tracer } = {}) {
  return (ctx: { readonly update: TelegramUpdateLike }, next: () => Promise<void>): Promise<void> => {
    safely('telegram.update-metrics', () => {
      const userId = userIdOf(ctx.update);
      options.metrics?.update({ updateType: updateTypeOf(ctx.update), ...(userId === undefined ? {} : { userId }) });
    });
    return withTelegramUpdateSpan(ctx.update, () => next(), options.tracer ? { tracer: options.tracer } : {});
  };
}

/** What the Bot API answers (`ApiResponse` in grammY), structurally. */
export type TelegramApiResponseLike = { readonly ok: true } | { readonly ok: false; readonly error_code: number; readonly description?: string };

/**
 * The transformer's type. `prev` takes `never` arguments and the signal is `unknown`, so that the
 * function is assignable to grammY's generic `Transformer` (whose `AbortSignal` comes from the
 * abort-controller shim) without this lib importing grammy.
 */
export type TelegramApiTransformer = <R extends TelegramApiResponseLike>(
  prev: (method: never, payload: never, signal?: never) => Promise<R>,
  method: string,
  payload: unknown,
  signal?: unknown,
) => Promise<R>;

/**
 * An API transformer (grammY's `bot.api.config.use(...)` shape) that times every outgoing Bot API
 * call as a `telegram <method>` CLIENT span and counts failures by method and code. `ok: false`
 * answers (429 flood control, 400 "message is not modified"...) are returned unchanged for the next
 * transformer (auto-retry) to handle; a thrown network error is counted as `network` and rethrown.
 * Payloads are never recorded: they hold message text.
 */
export function createTelegramApiTransformer(
  options: { metrics?: Pick<BotMetrics, 'telegramCall'>; tracer?: Tracer; now?: () => number } = {},
): TelegramApiTransformer {
  const now = options.now ?? (() => performance.now());

  // No named closure is created per call: one costs a defineProperty per call where names are
  // kept (tsx, which `npm start` runs). Nor an `async` layer: each adds promises on every call.
  function timed<R extends TelegramApiResponseLike>(
    prev: (method: never, payload: never, signal?: never) => Promise<R>,
    method: string,
    payload: unknown,
    signal: unknown,
  ): Promise<R> {
    const started = now();
    let pending: Promise<R>;
    try {
      pending = prev(method as never, payload as never, signal as never);
    } catch (error) {
      return Promise.reject(failedCall(method, started, error));
    }
    return pending.then(
      (response) => {
        options.metrics?.telegramCall({
          method,
          seconds: (now() - started) / 1000,
          ...(response.ok ? {} : { errorCode: response.error_code }),
        });
        return response;
      },
      (error: unknown) => {
        throw failedCall(method, started, error);
      },
    );
  }

  /** Counts a thrown call (`aborted` or `network`) and gives the error back for rethrowing. */
  function failedCall(method: string, started: number, error: unknown): unknown {
    options.metrics?.telegramCall({ method, seconds: (now() - started) / 1000, errorCode: errorType(error) === 'AbortError' ? 'aborted' : 'network' });
    return error;
  }

  const tracer = options.tracer ? { tracer: options.tracer } : {};
  return (prev, method, payload, signal) => {
    // Spans only inside a trace: getUpdates long polls outside any update would be noise.
    if (!trace.getActiveSpan()) return timed(prev, method, payload, signal);
    return withSpan(
      `telegram ${method}`,
      { kind: SpanKind.CLIENT, attributes: { [ATTR.telegramMethod]: method }, ...tracer },
      () => timed(prev, method, payload, signal),
      markFailedAnswer,
    );
  };
}

/** An `ok: false` answer marks the call's span failed, with the Bot API's error code. */
function markFailedAnswer(span: Span, response: TelegramApiResponseLike): void {
  if (response.ok) return;
  span.setAttribute(ATTR.telegramErrorCode, response.error_code);
  recordSpanError(span, Object.assign(new Error(response.description ?? `error ${response.error_code}`), { name: `TelegramError${response.error_code}` }));
}
