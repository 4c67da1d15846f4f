import type { ExceededBudget } from './types';

/** One problem with a request, located by a path (`items[3].model`, `query.cursor`). */
export interface ErrorDetail {
  path: string;
  message: string;
}

export interface BatchreelApiErrorInit {
  status: number;
  code: string;
  message: string;
  details?: ErrorDetail[];
  requestId?: string | null;
  body?: unknown;
  requiredCredits?: number;
  availableCredits?: number;
  /** From a `Retry-After` header (429, 503): seconds to wait before asking again. */
  retryAfterSeconds?: number;
  /** From a `402 budget_exceeded`: the tightest hard cap the batch would cross. */
  budget?: ExceededBudget;
  cause?: unknown;
}

/**
 * A refusal or failure of the Batchreel API. `status` and `code` come from the error envelope
 * (`{ ok: false, error: { code, message, details }, request_id }`); a request that got no HTTP
 * answer at all has `status` 0 and `code` `network_error`, and a non-JSON answer keeps its
 * status with `code` `invalid_response` (`body` holds the text).
 */
export class BatchreelApiError extends Error {
  override name = 'BatchreelApiError';
  /** HTTP status; 0 when no answer arrived. */
  readonly status: number;
  /** Stable error code, e.g. `insufficient_credits`, `not_found`, `invalid_api_key`. */
  readonly code: string;
  /** Every problem with the request, for `invalid_request`. */
  readonly details: ErrorDetail[];
  /** The request id the server answered with (`X-Request-ID`), when there was an answer. */
  readonly requestId: string | null;
  /** The parsed answer (or its text when it was not JSON). */
  readonly body: unknown;
  /** From a `402 insufficient_credits`: what the batch needs. */
  readonly requiredCredits?: number;
  /** From a `402 insufficient_credits`: what the account could spend. */
  readonly availableCredits?: number;
  /** From a `Retry-After` header (429, 503): seconds to wait before asking again. */
  readonly retryAfterSeconds?: number;
  /** From a `402 budget_exceeded`: the budget, its cap, what is used, what the batch needs. */
  readonly budget?: ExceededBudget;

  constructor(init: BatchreelApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? [];
    this.requestId = init.requestId ?? null;
    this.body = init.body;
    if (init.requiredCredits !== undefined) this.requiredCredits = init.requiredCredits;
    if (init.availableCredits !== undefined) this.availableCredits = init.availableCredits;
    if (init.retryAfterSeconds !== undefined) this.retryAfterSeconds = init.retryAfterSeconds;
    if (init.budget !== undefined) this.budget = init.budget;
  }

  /** Credits missing for admission, from a 402; `undefined` otherwise. */
  get shortfallCredits(): number | undefined {
    if (this.requiredCredits === undefined || this.availableCredits === undefined) return undefined;
    return Math.max(0, this.requiredCredits - this.availableCredits);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const optionalInt = (value: unknown) =>
  typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;

/** Reads the docs/product.md §3 error envelope out of a non-2xx answer, tolerating anything else. */
export function errorFromResponse(
  status: number,
  body: unknown,
  headerRequestId: string | null,
  retryAfterHeader: string | null = null,
): BatchreelApiError {
  const retryAfter = retryAfterHeader === null ? Number.NaN : Number(retryAfterHeader);
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined;
  const retryAfterInit = retryAfterSeconds === undefined ? {} : { retryAfterSeconds };
  const envelope = isRecord(body) && isRecord(body.error) ? body : null;
  if (!envelope) {
    const text = typeof body === 'string' ? body.trim().slice(0, 200) : '';
    return new BatchreelApiError({
      status,
      code: status === 0 ? 'network_error' : 'invalid_response',
      message: `HTTP ${status} with a body that is not the API's JSON error${text ? `: ${text}` : ''}`,
      requestId: headerRequestId,
      body,
      ...retryAfterInit,
    });
  }
  const error = envelope.error as Record<string, unknown>;
  const details = Array.isArray(error.details)
    ? error.details.filter(isRecord).map((detail) => ({
        path: String(detail.path ?? ''),
        message: String(detail.message ?? ''),
      }))
    : [];
  const requiredCredits = optionalInt(envelope.required_credits);
  const budget = isRecord(envelope.budget)
    ? (envelope.budget as unknown as ExceededBudget)
    : undefined;
  const availableCredits = optionalInt(envelope.available_credits);
  return new BatchreelApiError({
    status,
    code: typeof error.code === 'string' ? error.code : 'unknown_error',
    message: typeof error.message === 'string' ? error.message : `HTTP ${status}`,
    details,
    requestId: typeof envelope.request_id === 'string' ? envelope.request_id : headerRequestId,
    body,
    ...(requiredCredits === undefined ? {} : { requiredCredits }),
    ...(availableCredits === undefined ? {} : { availableCredits }),
    ...(budget === undefined ? {} : { budget }),
    ...retryAfterInit,
  });
}
