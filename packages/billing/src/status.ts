// The statuses themselves are the contracts' (`BATCH_STATUSES`, … in @batchreel/contracts, one
// list per PostgreSQL enum); billing adds what they mean for money.
import type { BatchStatus, TaskStatus } from '@batchreel/contracts';

export type {
  BatchStatus,
  LedgerRefType,
  SettlementStatus,
  TaskStatus,
} from '@batchreel/contracts';

/** A batch status that settlement can produce: everything but `queued` and `processing`. */
export type FinalBatchStatus = Exclude<BatchStatus, 'queued' | 'processing'>;

/** Task statuses that never change again; a batch settles once all its tasks are in one. */
export const TERMINAL_TASK_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'canceled'];

/** Final task statuses whose price goes back to the account (docs/product.md §5.3). */
export const REFUNDABLE_TASK_STATUSES: readonly TaskStatus[] = ['failed', 'canceled'];

/**
 * Whether a task has reached its final outcome.
 *
 * Invariant: true exactly for the members of {@link TERMINAL_TASK_STATUSES}.
 */
export function isTerminalTaskStatus(status: TaskStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'canceled';
}

/**
 * Whether a task in this status is owed its price back.
 *
 * Invariant: true exactly for the members of {@link REFUNDABLE_TASK_STATUSES}; never for
 * `succeeded`.
 */
export function isRefundableTaskStatus(status: TaskStatus): boolean {
  return status === 'failed' || status === 'canceled';
}

/**
 * Whether a batch status is one settlement produces (the batch will not run again).
 *
 * Invariant: false exactly for `queued` and `processing`.
 */
export function isFinalBatchStatus(status: BatchStatus): status is FinalBatchStatus {
  return status !== 'queued' && status !== 'processing';
}
