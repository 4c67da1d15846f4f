import { assertSafeInteger } from './credits';
import type { Result } from './result';
import { err, ok } from './result';
import type { LedgerRefType } from './status';

/** The sign a ledger row's `credits_delta` must have for its `ref_type`. */
export type DeltaSign = 'positive' | 'negative' | 'any';

/**
 * The sign each ref type requires: grants and refunds add, the upfront deducts, and a finance
 * adjustment may go either way (docs/product.md §4).
 *
 * Invariant: total over {@link LedgerRefType}; adding a ref type without a sign fails to compile.
 */
export function expectedDeltaSign(refType: LedgerRefType): DeltaSign {
  switch (refType) {
    case 'topup':
    case 'batch_refund':
      return 'positive';
    case 'batch_upfront':
      return 'negative';
    case 'adjustment':
      return 'any';
  }
}

/**
 * Whether a delta has the sign its ref type requires. Zero is never valid (a row that moves no
 * credits is not a movement).
 *
 * Invariant: false for 0; otherwise true iff the sign matches {@link expectedDeltaSign}.
 */
export function hasValidDeltaSign(refType: LedgerRefType, creditsDelta: number): boolean {
  if (creditsDelta === 0) {
    return false;
  }
  const sign = expectedDeltaSign(refType);
  return sign === 'any' || (sign === 'positive') === creditsDelta > 0;
}

/** A ledger movement before it is written. */
export interface LedgerEntryDraft {
  refType: LedgerRefType;
  creditsDelta: number;
}

/**
 * Brands what this package's planners return. Declared only, so it costs nothing at run time
 * and no code outside this package can name it: the only way to obtain a
 * {@link PlannedLedgerEntry} is to ask a planner.
 */
declare const plannedByBilling: unique symbol;

/**
 * A ledger movement a money rule of this package approved: the only thing the API's ledger
 * write path (`postLedgerEntries`) accepts. Produced by `planFreeze` (`batch_upfront`),
 * `planTaskRefund` (`batch_refund`), `planTopUp` (`topup`) and `planAdjustment` (`adjustment`).
 * The type is nominal: an object literal `{ refType, creditsDelta }` does not type-check as one.
 *
 * Invariant: `creditsDelta` is a non-zero safe integer with the sign its `refType` requires
 * ({@link hasValidDeltaSign}); {@link approve} refuses to brand anything else.
 */
export type PlannedLedgerEntry<R extends LedgerRefType = LedgerRefType> = {
  readonly refType: R;
  readonly creditsDelta: number;
  readonly [plannedByBilling]: R;
};

/**
 * Brands a movement a planner has decided on. Planners call it after applying their rule; it
 * re-checks the sign rule so that no planner can hand out a movement the ledger forbids.
 *
 * Invariant: returns only entries for which {@link hasValidDeltaSign} holds, as a plain
 * `{ refType, creditsDelta }` object (the brand exists in the type system only).
 *
 * @throws RangeError if `creditsDelta` is not a safe integer, is 0 or has the wrong sign: a
 * planner bug, never a business refusal.
 */
export function approve<R extends LedgerRefType>(
  refType: R,
  creditsDelta: number,
): PlannedLedgerEntry<R> {
  assertSafeInteger(creditsDelta, 'credits delta');
  if (!hasValidDeltaSign(refType, creditsDelta)) {
    throw new RangeError(`a ${refType} entry cannot move ${creditsDelta} credits`);
  }
  return { refType, creditsDelta } as PlannedLedgerEntry<R>;
}

/** Why a ledger movement may not be written. */
export type LedgerEntryError =
  | { code: 'zero_delta' }
  | { code: 'wrong_sign'; refType: LedgerRefType; creditsDelta: number }
  | { code: 'insufficient_balance'; balance: number; creditsDelta: number };

/**
 * Plans appending one movement to an account whose current balance is `balance`.
 *
 * Invariants (docs/product.md §5.5): the delta is non-zero with the sign its ref type requires;
 * `balanceAfter = balance + creditsDelta`; `balanceAfter >= 0`, so applying only planned entries
 * keeps the balance equal to Σ deltas and never negative.
 *
 * @throws RangeError if `balance`, `creditsDelta` or their sum is not a safe integer.
 */
export function planLedgerEntry<R extends LedgerRefType>(
  balance: number,
  entry: { refType: R; creditsDelta: number },
): Result<PlannedLedgerEntry<R> & { balanceAfter: number }, LedgerEntryError> {
  assertSafeInteger(balance, 'balance');
  assertSafeInteger(entry.creditsDelta, 'credits delta');
  if (entry.creditsDelta === 0) {
    return err({ code: 'zero_delta' });
  }
  if (!hasValidDeltaSign(entry.refType, entry.creditsDelta)) {
    return err({ code: 'wrong_sign', refType: entry.refType, creditsDelta: entry.creditsDelta });
  }
  const balanceAfter = balance + entry.creditsDelta;
  assertSafeInteger(balanceAfter, 'balance after');
  if (balanceAfter < 0) {
    return err({ code: 'insufficient_balance', balance, creditsDelta: entry.creditsDelta });
  }
  return ok({ ...approve(entry.refType, entry.creditsDelta), balanceAfter });
}
