import { addCredits, assertCredits, assertSafeInteger } from './credits';
import type { Quote } from './quote';
import type { BatchStatus } from './status';

/**
 * Credits an account can still commit: `balance − reservedCredits` (SPEC §3), where
 * `reservedCredits` is the sum of `required_credits` of its admitted, not-yet-frozen batches.
 *
 * Invariant: the result is exactly `balance − reservedCredits`, never clamped. With consistent
 * data it is `>= 0` (admission never reserves more than is available); a negative result means
 * the data is inconsistent and must stay visible rather than be hidden as 0.
 *
 * @throws RangeError if `balance` is not a safe integer or `reservedCredits` is not a safe
 * integer `>= 0`.
 */
export function availableCredits(balance: number, reservedCredits: number): number {
  assertSafeInteger(balance, 'balance');
  assertCredits(reservedCredits, 'reserved credits');
  return balance - reservedCredits;
}

/**
 * Credits reserved by admitted batches that the worker has not frozen yet: the sum of
 * `requiredCredits` over batches that are `queued` with `frozenCredits = 0`.
 *
 * Invariant: a batch counts towards the reservation until its freeze moves the amount into the
 * ledger, and never both (reserved and frozen) at once, so `availableCredits` never counts a
 * batch twice.
 */
export function reservedCreditsOf(
  batches: readonly { status: BatchStatus; requiredCredits: number; frozenCredits: number }[],
): number {
  let reserved = 0;
  for (const batch of batches) {
    assertCredits(batch.requiredCredits, 'required credits');
    assertCredits(batch.frozenCredits, 'frozen credits');
    if (batch.status === 'queued' && batch.frozenCredits === 0) {
      reserved = addCredits(reserved, batch.requiredCredits, 'reserved credits');
    }
  }
  return reserved;
}

/** Whether a quoted batch may be admitted, with the two figures a 402 response must show. */
export type AdmissionDecision =
  | { admitted: true; requiredCredits: number; availableCredits: number }
  | {
      admitted: false;
      code: 'insufficient_credits';
      requiredCredits: number;
      availableCredits: number;
    };

/**
 * Decides whether an account can pay for a quoted batch (SPEC §3, HTTP 402 otherwise).
 *
 * Invariant: admitted iff `requiredCredits <= balance − reservedCredits`; an exactly equal
 * amount is admitted. `availableCredits` in the decision is the figure before this batch, so
 * admitting never lets the sum of reservations exceed the balance.
 *
 * @throws RangeError for credit amounts that are not safe integers (negative required or
 * reserved credits included).
 */
export function decideAdmission(
  quote: Pick<Quote, 'requiredCredits'>,
  account: { balance: number; reservedCredits: number },
): AdmissionDecision {
  assertCredits(quote.requiredCredits, 'required credits');
  const available = availableCredits(account.balance, account.reservedCredits);
  if (quote.requiredCredits <= available) {
    return { admitted: true, requiredCredits: quote.requiredCredits, availableCredits: available };
  }
  return {
    admitted: false,
    code: 'insufficient_credits',
    requiredCredits: quote.requiredCredits,
    availableCredits: available,
  };
}
