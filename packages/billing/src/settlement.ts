import { addCredits, assertCredits } from './credits';
import type { Result } from './result';
import { err, ok } from './result';
import type { FinalBatchStatus, TaskStatus } from './status';
import type { Violation } from './violation';
import { violation } from './violation';

/** What settlement needs to know about a batch whose tasks have all finished (docs/product.md §5.4). */
export interface SettlementInput {
  requiredCredits: number;
  frozenCredits: number;
  totalCount: number;
  cancelRequested: boolean;
  tasks: readonly { status: TaskStatus; costCredits: number }[];
  /** Σ `batch_refund` deltas recorded in the ledger for this batch. */
  refundedCredits: number;
}

/** The figures settlement writes onto the batch. */
export interface Settlement {
  status: FinalBatchStatus;
  settlementStatus: 'settled' | 'refunded';
  successCount: number;
  failedCount: number;
  canceledCount: number;
  /** `credits_spent = Σ cost(succeeded)`. */
  creditsSpent: number;
  refundedCredits: number;
  /** What the account finally paid: upfront minus refunds, equal to `creditsSpent`. */
  netSpentCredits: number;
}

/**
 * Why a batch cannot be settled. `invariant_violated` means the money does not add up: the
 * batch must be flagged for a human, and nothing may be silently corrected.
 */
export type SettlementError =
  | { code: 'tasks_not_terminal'; pending: number }
  | { code: 'invariant_violated'; violations: Violation[] };

/**
 * The final status of a settled batch (docs/product.md §4), separate so the admin app can explain it.
 *
 * Invariant: `canceled` iff a cancel was requested and at least one task was canceled; otherwise
 * `completed` iff every task succeeded, `failed` iff none did, else `partial`.
 */
export function finalBatchStatus(counts: {
  cancelRequested: boolean;
  totalCount: number;
  successCount: number;
  canceledCount: number;
}): FinalBatchStatus {
  if (counts.cancelRequested && counts.canceledCount > 0) {
    return 'canceled';
  }
  if (counts.successCount === counts.totalCount) {
    return 'completed';
  }
  if (counts.successCount === 0) {
    return 'failed';
  }
  return 'partial';
}

/**
 * Settles a batch once every task is terminal (docs/product.md §5.4).
 *
 * Invariants: `creditsSpent = Σ cost(succeeded)`; `frozenCredits = creditsSpent +
 * refundedCredits` (for a batch canceled before its freeze all three are 0); a frozen batch
 * froze exactly `requiredCredits`; the task costs add up to `requiredCredits`; there are
 * `totalCount` tasks. If any of these fails the result is `invariant_violated` listing every
 * broken rule, never a "corrected" settlement. Status: `canceled` when a cancel was requested
 * and some task was canceled, else `completed` (all succeeded), `failed` (none succeeded) or
 * `partial`. `settlementStatus` is `refunded` iff `refundedCredits > 0`.
 *
 * @throws RangeError if a credit figure is not a safe integer `>= 0`.
 */
export function settleBatch(input: SettlementInput): Result<Settlement, SettlementError> {
  assertCredits(input.requiredCredits, 'required credits');
  assertCredits(input.frozenCredits, 'frozen credits');
  assertCredits(input.refundedCredits, 'refunded credits');
  assertCredits(input.totalCount, 'total count');

  let pending = 0;
  let successCount = 0;
  let failedCount = 0;
  let canceledCount = 0;
  let creditsSpent = 0;
  let totalCost = 0;
  for (const task of input.tasks) {
    assertCredits(task.costCredits, 'task cost');
    totalCost = addCredits(totalCost, task.costCredits, 'task costs');
    switch (task.status) {
      case 'succeeded':
        successCount++;
        creditsSpent = addCredits(creditsSpent, task.costCredits, 'credits spent');
        break;
      case 'failed':
        failedCount++;
        break;
      case 'canceled':
        canceledCount++;
        break;
      default:
        pending++;
    }
  }
  if (pending > 0) {
    return err({ code: 'tasks_not_terminal', pending });
  }

  const violations: Violation[] = [];
  const { requiredCredits, frozenCredits, refundedCredits, totalCount } = input;
  if (input.tasks.length !== totalCount) {
    violations.push(
      violation(
        'task_count_mismatch',
        `batch has ${input.tasks.length} tasks but total_count is ${totalCount}`,
      ),
    );
  }
  if (totalCost !== requiredCredits) {
    violations.push(
      violation(
        'required_mismatch',
        `task costs add up to ${totalCost} credits but required_credits is ${requiredCredits}`,
      ),
    );
  }
  if (frozenCredits > 0 && frozenCredits !== requiredCredits) {
    violations.push(
      violation(
        'frozen_required_mismatch',
        `frozen_credits ${frozenCredits} differs from required_credits ${requiredCredits}`,
      ),
    );
  }
  if (frozenCredits !== creditsSpent + refundedCredits) {
    violations.push(
      violation(
        'freeze_mismatch',
        `frozen_credits ${frozenCredits} ≠ credits_spent ${creditsSpent} + refunded ${refundedCredits}`,
      ),
    );
  }
  if (violations.length > 0) {
    return err({ code: 'invariant_violated', violations });
  }

  return ok({
    status: finalBatchStatus({
      cancelRequested: input.cancelRequested,
      totalCount,
      successCount,
      canceledCount,
    }),
    settlementStatus: refundedCredits > 0 ? 'refunded' : 'settled',
    successCount,
    failedCount,
    canceledCount,
    creditsSpent,
    refundedCredits,
    netSpentCredits: frozenCredits - refundedCredits,
  });
}
