import { type LedgerEntryError, type PlannedLedgerEntry, planLedgerEntry } from './ledger';
import type { Result } from './result';
import { err, ok } from './result';

/** A movement finance writes by hand: a grant (`topup`) or a correction (`adjustment`). */
export interface GrantPlan<R extends 'topup' | 'adjustment'> {
  ledgerEntry: PlannedLedgerEntry<R>;
  /** The reason, trimmed: kept as the row's memo (and in the audit log). */
  memo: string;
  /** The balance once the entry is written, computed from the balance the caller locked. */
  balanceAfter: number;
}

/** Why finance may not write a grant or correction. */
export type GrantError = { code: 'reason_required' } | LedgerEntryError;

/**
 * Plans a top-up: `credits` granted to an account whose balance, read under the account's row
 * lock in the writing transaction, is `account.balance`.
 *
 * Invariants: a top-up always has a reason (non-blank after trimming; it becomes the memo);
 * it adds a whole number of credits `>= 1` (0 is `zero_delta`, a negative amount `wrong_sign`);
 * `balanceAfter = balance + credits`.
 *
 * @throws RangeError if `balance` or `credits` is not a safe integer.
 */
export function planTopUp(
  account: { balance: number },
  topUp: { credits: number; reason: string },
): Result<GrantPlan<'topup'>, GrantError> {
  return planGrant(account.balance, 'topup', topUp.credits, topUp.reason);
}

/**
 * Plans a correction either way: `creditsDelta` applied to an account whose balance, read under
 * the account's row lock in the writing transaction, is `account.balance`.
 *
 * Invariants: a correction always has a reason (non-blank after trimming; the ledger refuses
 * an adjustment without a memo); it moves a non-zero whole number of credits; it never takes the
 * balance below zero (`insufficient_balance`), so `balanceAfter = balance + creditsDelta >= 0`.
 *
 * @throws RangeError if `balance` or `creditsDelta` is not a safe integer.
 */
export function planAdjustment(
  account: { balance: number },
  adjustment: { creditsDelta: number; reason: string },
): Result<GrantPlan<'adjustment'>, GrantError> {
  return planGrant(account.balance, 'adjustment', adjustment.creditsDelta, adjustment.reason);
}

function planGrant<R extends 'topup' | 'adjustment'>(
  balance: number,
  refType: R,
  creditsDelta: number,
  reason: string,
): Result<GrantPlan<R>, GrantError> {
  const memo = reason.trim();
  if (memo === '') return err({ code: 'reason_required' });
  const planned = planLedgerEntry(balance, { refType, creditsDelta });
  if (!planned.ok) return planned;
  const { balanceAfter, ...ledgerEntry } = planned.value;
  return ok({ ledgerEntry, memo, balanceAfter });
}
