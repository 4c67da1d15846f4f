import { ERROR_CODES, type ErrorCode } from '@batchreel/contracts';
import type { z } from 'zod';
import type { ErrorDetail } from '../platform/validation';

export type { ErrorDetail };

// The codes, their statuses and meanings are the contracts' (clients see them): re-exported here
// for the route code and the OpenAPI document.
export { ERROR_CODES, type ErrorCode };

/**
 * A refusal of the public API. Thrown (or returned) by route code and turned into the docs/product.md §3
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
