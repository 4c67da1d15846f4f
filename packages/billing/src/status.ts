/** Lifecycle of a batch (`batch_jobs.status`): `queued` → `processing` → a final status. */
export type BatchStatus = 'queued' | 'processing' | 'completed' | 'partial' | 'failed' | 'canceled';

/** Money state of a batch (`batch_jobs.settlement_status`). */
export type SettlementStatus = 'pending' | 'settled' | 'refunded';

/** Lifecycle of one video task (`video_tasks.status`). */
export type TaskStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';

/** Why a credit ledger row exists (`credit_ledger.ref_type`). */
export type LedgerRefType = 'topup' | 'batch_upfront' | 'batch_refund' | 'adjustment';

/** A batch status that settlement can produce: everything but `queued` and `processing`. */
export type FinalBatchStatus = Exclude<BatchStatus, 'queued' | 'processing'>;

/** Every batch status, in lifecycle order (handy for zod enums and database CHECKs). */
export const BATCH_STATUSES = [
  'queued',
  'processing',
  'completed',
  'partial',
  'failed',
  'canceled',
] as const satisfies readonly BatchStatus[];

/** Every settlement status. */
export const SETTLEMENT_STATUSES = [
  'pending',
  'settled',
  'refunded',
] as const satisfies readonly SettlementStatus[];

/** Every task status, in lifecycle order. */
export const TASK_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'canceled',
] as const satisfies readonly TaskStatus[];

/** Every ledger reference type. */
export const LEDGER_REF_TYPES = [
  'topup',
  'batch_upfront',
  'batch_refund',
  'adjustment',
] as const satisfies readonly LedgerRefType[];

/** Task statuses that never change again; a batch settles once all its tasks are in one. */
export const TERMINAL_TASK_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'canceled'];

/** Final task statuses whose price goes back to the account (SPEC §5.3). */
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
