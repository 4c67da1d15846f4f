/**
 * Throws unless `value` is a safe integer. Used for signed amounts (ledger deltas, balances read
 * back for reconciliation) where a negative number is data, not a bug.
 *
 * Invariant: returns only for `Number.isSafeInteger(value)`; otherwise throws a `RangeError`
 * naming `label` and the value. Credits are never floats.
 */
export function assertSafeInteger(value: number, label: string): void {
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`${label} must be a safe integer number of credits, got ${String(value)}`);
  }
}

/**
 * Throws unless `value` is a whole, non-negative number of credits.
 *
 * This guards programmer errors (a float price, a NaN balance), not business rules: a caller
 * that passes `10.5` credits has a bug and must hear about it loudly.
 *
 * Invariant: returns only for safe integers `>= 0`; otherwise throws a `RangeError` naming
 * `label` and the value.
 */
export function assertCredits(value: number, label: string): void {
  assertSafeInteger(value, label);
  if (value < 0) {
    throw new RangeError(`${label} must be >= 0 credits, got ${value}`);
  }
}

/**
 * Throws unless `value` is a whole number of credits `>= 1`. Prices must be positive because a
 * free item would need a zero-credit ledger movement, which the ledger forbids.
 *
 * Invariant: returns only for safe integers `>= 1`; otherwise throws a `RangeError`.
 */
export function assertPositiveCredits(value: number, label: string): void {
  assertSafeInteger(value, label);
  if (value < 1) {
    throw new RangeError(`${label} must be >= 1 credit, got ${value}`);
  }
}

/**
 * Adds two credit amounts, refusing to leave the safe-integer range.
 *
 * Invariant: the result is the exact integer sum; if it is not a safe integer a `RangeError` is
 * thrown instead of silently losing precision.
 */
export function addCredits(a: number, b: number, label: string): number {
  const sum = a + b;
  if (!Number.isSafeInteger(sum)) {
    throw new RangeError(`${label} overflows the safe integer range (${a} + ${b})`);
  }
  return sum;
}
