import { assertCredits, assertPositiveCredits } from './credits';
import { approve, type PlannedLedgerEntry } from './ledger';
import type { Result } from './result';
import { err, ok } from './result';
import type { BatchStatus } from './status';

/** The writes of a freeze, to be applied in one transaction (docs/product.md §5.2). */
export interface FreezePlan {
  status: 'processing';
  /** The new `frozen_credits`: the batch's `required_credits`. */
  frozenCredits: number;
  /** The single `batch_upfront` row; its delta is `-requiredCredits`. */
  ledgerEntry: PlannedLedgerEntry<'batch_upfront'>;
}

/**
 * Why a batch cannot be frozen. `already_frozen` is what an idempotent retry sees after a
 * previous attempt committed: the worker treats it as success and must not write again.
 */
export type FreezeError = { code: 'already_frozen' } | { code: 'not_queued'; status: BatchStatus };

/**
 * Plans the freeze of a batch the worker picked up: `queued` → `processing`, `frozen_credits`
 * 0 → `required_credits`, one `batch_upfront` entry of `-required_credits` (docs/product.md §5.2). The
 * caller passes the batch as read under its row lock, in the transaction that writes the plan.
 *
 * Invariant: exactly once per batch. A plan is only produced for a `queued` batch with nothing
 * frozen, and after it is applied the batch is neither, so a retried or concurrent freeze gets
 * `already_frozen` (frozen > 0) or `not_queued` instead of a second upfront. The plan keeps
 * `frozenCredits = requiredCredits = −ledgerEntry.creditsDelta`.
 *
 * @throws RangeError if the credit fields are not safe integers `>= 0`, or if a freezable
 * batch requires 0 credits (a zero ledger delta is forbidden; quotes never produce it).
 */
export function planFreeze(batch: {
  status: BatchStatus;
  requiredCredits: number;
  frozenCredits: number;
}): Result<FreezePlan, FreezeError> {
  assertCredits(batch.requiredCredits, 'required credits');
  assertCredits(batch.frozenCredits, 'frozen credits');
  if (batch.frozenCredits > 0) {
    return err({ code: 'already_frozen' });
  }
  if (batch.status !== 'queued') {
    return err({ code: 'not_queued', status: batch.status });
  }
  assertPositiveCredits(batch.requiredCredits, 'required credits of a batch to freeze');
  return ok({
    status: 'processing',
    frozenCredits: batch.requiredCredits,
    ledgerEntry: approve('batch_upfront', -batch.requiredCredits),
  });
}
