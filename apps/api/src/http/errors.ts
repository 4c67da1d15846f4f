import type { z } from 'zod';

/** One problem with a request, located by a path into the body or headers (`items[3].model`). */
export interface ErrorDetail {
  path: string;
  message: string;
}

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

/**
 * A refusal of the public API. Thrown (or returned) by route code and turned into the SPEC §3
 * envelope `{ ok: false, error: { code, message, details }, request_id, ...extra }` by the
 * server's error handler.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
    /** Fields added at the top level of the envelope, e.g. `required_credits` on a 402. */
    readonly extra: Record<string, unknown> = {},
    /** Response headers, e.g. `Retry-After`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = ERROR_CODES[code].status;
  }
}

/** `['items', 3, 'model']` → `items[3].model`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out;
}

/** zod issues as `{ path, message }`, one per problem (unknown keys each get their own path). */
export function zodDetails(error: z.ZodError, prefix: readonly PropertyKey[] = []): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        details.push({
          path: formatPath([...prefix, ...issue.path, key]),
          message: 'Unknown field.',
        });
      }
    } else {
      details.push({ path: formatPath([...prefix, ...issue.path]), message: issue.message });
    }
  }
  return details;
}

/** A 422 `invalid_request` for a failed zod parse. */
export function invalidRequest(error: z.ZodError, prefix: readonly PropertyKey[] = []): ApiError {
  const details = zodDetails(error, prefix);
  const count = details.length === 1 ? '1 problem' : `${details.length} problems`;
  return new ApiError(
    'invalid_request',
    `The request is invalid (${count}); see details.`,
    details,
  );
}
