/**
 * Stable error codes of a task that did not succeed (`video_tasks.error_code`, `error_code` in
 * the API's task answers): the admin labels each in every language. The API documents the field
 * as an open string, so that a new code is not a breaking change for clients.
 */
export const TASK_ERROR_CODES = [
  'timeout',
  'provider_error',
  'rate_limited',
  'network_error',
  'content_policy',
  'invalid_input',
  'provider_unavailable',
  'lost',
  'canceled',
  'insufficient_credits',
  /** Batchreel's own video store failed to keep the finished video (transient, retried). */
  'storage_error',
] as const;
export type TaskErrorCode = (typeof TASK_ERROR_CODES)[number];

/**
 * Every error code the public API answers with, its HTTP status and what it means. The list is
 * the contract: it is rendered into the OpenAPI document and the error test corpus checks it.
 */
export const ERROR_CODES = {
  malformed_request: {
    status: 400,
    description:
      'The HTTP request itself is malformed (framing, syntax, header bytes or URL encoding); nothing was processed.',
  },
  invalid_json: { status: 400, description: 'The body is not valid JSON.' },
  invalid_request: {
    status: 422,
    description:
      'The request is well-formed JSON but breaks the schema; `details` lists every problem.',
  },
  missing_api_key: { status: 401, description: 'No `X-API-Key` header.' },
  invalid_api_key: {
    status: 401,
    description: 'The API key is unknown or revoked, or its account is suspended.',
  },
  insufficient_credits: {
    status: 402,
    description:
      '`required_credits` exceeds `available_credits`; nothing was created, reserved or charged.',
  },
  budget_exceeded: {
    status: 402,
    description:
      'The batch would cross a hard budget cap of this month; `budget` names the tightest one (its cap, what is used, what the batch needs). Nothing was created, reserved or charged.',
  },
  forbidden: {
    status: 403,
    description:
      'A signed download URL that was altered, or whose time is up (`expired`): ask the API for a new one.',
  },
  not_found: { status: 404, description: 'No such resource for this account.' },
  route_not_found: { status: 404, description: 'No such route.' },
  request_timeout: {
    status: 408,
    description: 'The request was not received in time; nothing was processed.',
  },
  request_in_progress: {
    status: 409,
    description:
      'A request with the same `X-Request-ID` is still being processed; retry after it finishes.',
  },
  not_cancellable: {
    status: 409,
    description: 'The batch cannot be canceled in its current state.',
  },
  video_not_available: {
    status: 409,
    description:
      'The task has no stored video: it has not succeeded (yet), or it succeeded before videos were kept.',
  },
  batch_not_settled: {
    status: 409,
    description: 'The batch is still running; retry its failed tasks once it has settled.',
  },
  no_failed_tasks: { status: 409, description: 'The batch has no failed task to retry.' },
  video_expired: {
    status: 410,
    description:
      "The video was deleted at the end of the account's retention period; `expired_at` says when.",
  },
  delivery_in_progress: {
    status: 409,
    description:
      'The webhook delivery is still pending (its retries are running); redeliver later.',
  },
  payload_too_large: { status: 413, description: 'The body exceeds the size limit.' },
  unsupported_media_type: { status: 415, description: 'The body must be `application/json`.' },
  idempotency_key_reused: {
    status: 422,
    description: 'This `X-Request-ID` was already used with a different body.',
  },
  rate_limited: {
    status: 429,
    description: 'Too many requests for this API key; see `Retry-After`.',
  },
  headers_too_large: {
    status: 431,
    description: 'The request headers exceed 16 KiB; nothing was processed.',
  },
  internal_error: {
    status: 500,
    description:
      'Something failed on our side; the request may be retried with the same `X-Request-ID`.',
  },
  service_unavailable: { status: 503, description: 'A dependency is unavailable; retry later.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
