import { assertCredits } from './credits';
import { approve, type PlannedLedgerEntry } from './ledger';
import type { Result } from './result';
import { err, ok } from './result';
import type { TaskStatus } from './status';

/** The `batch_refund` ledger row returning a task's price (docs/product.md §5.3); its delta is `> 0`. */
export type RefundPlan = PlannedLedgerEntry<'batch_refund'>;

/** Why a task gets no refund. */
export type RefundError =
  | { code: 'task_succeeded' }
  | { code: 'task_not_terminal'; status: TaskStatus }
  | { code: 'already_refunded' }
  | { code: 'nothing_to_refund' };

/**
 * Plans the refund of a task that finally failed or was canceled (docs/product.md §5.3). The caller passes
 * the task as its transaction sees it — the status it just wrote and whether a `batch_refund`
 * row for it already exists — and writes the row in that same transaction.
 *
 * Invariants: a succeeded task is never refunded; a task still `queued`/`running` is not
 * refunded (only its final outcome counts); a task is refunded at most once (`refunded` means
 * a `batch_refund` row for it exists); the refund equals the task's cost exactly and is `> 0`.
 *
 * @throws RangeError if `costCredits` is not a safe integer `>= 0`.
 */
export function planTaskRefund(task: {
  status: TaskStatus;
  costCredits: number;
  refunded: boolean;
}): Result<RefundPlan, RefundError> {
  assertCredits(task.costCredits, 'task cost');
  if (task.status === 'succeeded') {
    return err({ code: 'task_succeeded' });
  }
  if (task.status !== 'failed' && task.status !== 'canceled') {
    return err({ code: 'task_not_terminal', status: task.status });
  }
  if (task.refunded) {
    return err({ code: 'already_refunded' });
  }
  if (task.costCredits === 0) {
    return err({ code: 'nothing_to_refund' });
  }
  return ok(approve('batch_refund', task.costCredits));
}
