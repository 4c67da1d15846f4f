/**
 * Stable codes of broken money invariants. Dashboards and alerts key on these; never rename one.
 *
 * Account ledger: `wrong_account`, `duplicate_row_id`, `zero_delta`, `wrong_sign`,
 * `balance_after_mismatch`, `negative_balance`, `balance_mismatch`.
 * Batch ledger and settlement: the rest.
 */
export const VIOLATION_CODES = [
  'wrong_account',
  'duplicate_row_id',
  'zero_delta',
  'wrong_sign',
  'balance_after_mismatch',
  'negative_balance',
  'balance_mismatch',
  'wrong_batch_ref',
  'duplicate_upfront',
  'missing_upfront',
  'unexpected_upfront',
  'upfront_amount_mismatch',
  'frozen_required_mismatch',
  'freeze_status_mismatch',
  'required_mismatch',
  'refund_without_task',
  'refund_unknown_task',
  'duplicate_refund',
  'refund_of_succeeded_task',
  'refund_of_unfinished_task',
  'refund_amount_mismatch',
  'refund_exceeds_freeze',
  'missing_refund',
  'freeze_mismatch',
  'spent_mismatch',
  'refunded_mismatch',
  'count_mismatch',
  'task_count_mismatch',
  'tasks_not_terminal',
  'status_mismatch',
  'settlement_status_mismatch',
  'ledger_hash_mismatch',
  'ledger_chain_broken',
] as const;

/** One of {@link VIOLATION_CODES}. */
export type ViolationCode = (typeof VIOLATION_CODES)[number];

/**
 * A broken money invariant, found by a check. Checks report; they never correct: a finance user
 * decides what to do with a violation.
 */
export interface Violation {
  /** Stable snake_case code, one of {@link VIOLATION_CODES} for violations found here. */
  code: string;
  /** Human-readable explanation that names the figures involved. */
  message: string;
  ledgerRowId?: string;
  taskId?: string;
  batchId?: string;
  accountId?: string;
}

/** Where a violation was found; all optional. */
export type ViolationRefs = Omit<Violation, 'code' | 'message'>;

/**
 * Builds a violation.
 *
 * Invariant: only known codes can be produced, so every code a check emits is documented in
 * {@link VIOLATION_CODES}.
 */
export function violation(
  code: ViolationCode,
  message: string,
  refs: ViolationRefs = {},
): Violation {
  return { code, message, ...refs };
}
