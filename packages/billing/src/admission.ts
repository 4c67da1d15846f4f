import { assertCredits, assertSafeInteger } from './credits';
import type { Quote } from './quote';

/**
 * Credits an account can still commit: `balance − reservedCredits` (docs/product.md §3), where
 * `reservedCredits` is the sum of `required_credits` of its admitted, not-yet-frozen batches
 * (`queued` with `frozen_credits = 0`). That sum is a query over the account's batches, defined
 * once in the API (`ledger/availability.ts`): a batch holds a reservation until its freeze moves
 * the amount into the ledger, never both at once.
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
 * Decides whether an account can pay for a quoted batch (docs/product.md §3, HTTP 402 otherwise).
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
