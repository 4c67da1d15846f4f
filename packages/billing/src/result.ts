/**
 * The outcome of an operation that can be refused for a business reason.
 *
 * Business rejections (insufficient credits, a task that may not be refunded, ...) are values of
 * this type, never exceptions: callers must look at `ok` before they can reach `value`, so a
 * refusal cannot be forgotten on the way to the HTTP edge. Exceptions are reserved for
 * programmer errors such as a non-integer credit amount.
 */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

/**
 * Wraps a successful value.
 *
 * Invariant: the returned result always has `ok: true` and carries `value` unchanged.
 */
export function ok<T>(value: T): Result<T, never> {
  return { ok: true, value };
}

/**
 * Wraps a business rejection.
 *
 * Invariant: the returned result always has `ok: false` and carries `error` unchanged.
 */
export function err<E>(error: E): Result<never, E> {
  return { ok: false, error };
}
