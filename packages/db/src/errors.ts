/**
 * Recognising the database's own refusals (SQLSTATE and constraint names from the migrations), so
 * callers can turn them into domain errors without depending on how the driver or Prisma wraps
 * them.
 */

/** A refusal by PostgreSQL: its SQLSTATE, the guard's name when it has one, and its message. */
export interface PgRefusal {
  code: string;
  constraint?: string;
  message: string;
}

type Bag = Record<string, unknown>;
const isBag = (value: unknown): value is Bag => typeof value === 'object' && value !== null;
const SQLSTATE = /^[0-9A-Z]{5}$/;

/** The PostgreSQL error inside `error`, which may be a `pg` error or a Prisma error wrapping one. */
export function findPgError(error: unknown): PgRefusal | null {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (isBag(current) && !seen.has(current)) {
    seen.add(current);
    // Prisma (driver adapters) keeps the driver's error under meta.driverAdapterError.cause and
    // puts its own P-code on the outside, so look there first.
    const meta = isBag(current.meta) ? current.meta : undefined;
    const adapterError =
      meta && isBag(meta.driverAdapterError) ? meta.driverAdapterError : undefined;
    const cause = adapterError && isBag(adapterError.cause) ? adapterError.cause : undefined;
    if (cause) {
      const code = [cause.originalCode, cause.code].find(
        (c) => typeof c === 'string' && SQLSTATE.test(c),
      );
      const message = [cause.originalMessage, cause.message].find((m) => typeof m === 'string');
      if (typeof code === 'string') {
        return withConstraint({ code, message: typeof message === 'string' ? message : '' }, cause);
      }
    }
    // A `pg` DatabaseError: SQLSTATE in `code`, the constraint name in `constraint`.
    if (
      typeof current.code === 'string' &&
      SQLSTATE.test(current.code) &&
      !current.code.startsWith('P')
    ) {
      return withConstraint(
        { code: current.code, message: typeof current.message === 'string' ? current.message : '' },
        current,
      );
    }
    current = current.cause;
  }
  return null;
}

function withConstraint(refusal: PgRefusal, source: Bag): PgRefusal {
  const named =
    typeof source.constraint === 'string'
      ? source.constraint
      : isBag(source.constraint) && typeof source.constraint.index === 'string'
        ? source.constraint.index
        : /constraint "([^"]+)"/.exec(refusal.message)?.[1];
  return named ? { ...refusal, constraint: named } : refusal;
}

/**
 * True when `error` is PostgreSQL refusing a write through the named guard (a constraint or
 * unique index from the migrations).
 */
export function isGuardViolation(error: unknown, guard: string): boolean {
  const refusal = isRefusal(error) ? error : findPgError(error);
  return Boolean(
    refusal && (refusal.constraint === guard || refusal.message.includes(`"${guard}"`)),
  );
}

function isRefusal(value: unknown): value is PgRefusal {
  return (
    isBag(value) &&
    typeof value.code === 'string' &&
    typeof value.message === 'string' &&
    !('meta' in value)
  );
}

/**
 * Prisma's codes for "the database cannot be used right now": unreachable, timed out, connection
 * closed, connection pool exhausted.
 */
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** Socket errors of the driver underneath. */
const UNAVAILABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);
/** SQLSTATE classes 08 (connection exception) and 57P (shutdown, restart), 53300 (too many). */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[1-4]|53300)$/;
/**
 * The `pg` driver's own words when the server goes away (no code attached): mid-query, while
 * connecting, or on the next statement of a transaction whose connection broke ("Client has
 * encountered a connection error and is not queryable").
 */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|Can't reach database server|timeout exceeded when trying to connect|is not queryable/i;

/**
 * True when `error` says the database is unreachable or restarting rather than that the request
 * was wrong: the caller should answer 503 and let the client retry (with the same idempotency
 * key), not 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const refusal = findPgError(error);
  if (refusal && UNAVAILABLE_SQLSTATE.test(refusal.code)) return true;
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (isBag(current) && !seen.has(current)) {
    seen.add(current);
    const code = current.code;
    if (
      typeof code === 'string' &&
      (UNAVAILABLE_PRISMA_CODES.has(code) || UNAVAILABLE_SOCKET_CODES.has(code))
    ) {
      return true;
    }
    if (typeof current.message === 'string' && UNAVAILABLE_MESSAGE.test(current.message))
      return true;
    const meta = isBag(current.meta) ? current.meta : undefined;
    const adapterError =
      meta && isBag(meta.driverAdapterError) ? meta.driverAdapterError : undefined;
    const kind = adapterError && isBag(adapterError.cause) ? adapterError.cause.kind : undefined;
    if (
      kind === 'DatabaseNotReachable' ||
      kind === 'ConnectionClosed' ||
      kind === 'SocketTimeout'
    ) {
      return true;
    }
    current = current.cause;
  }
  return false;
}
