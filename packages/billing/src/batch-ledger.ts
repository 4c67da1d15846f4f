import type { LedgerRow } from './account-ledger';
import { addCredits, assertCredits, assertSafeInteger } from './credits';
import { finalBatchStatus } from './settlement';
import type { BatchStatus, SettlementStatus, TaskStatus } from './status';
import { isFinalBatchStatus, isRefundableTaskStatus, isTerminalTaskStatus } from './status';
import type { Violation, ViolationCode, ViolationRefs } from './violation';
import { violation } from './violation';

/** The stored money figures of one batch (`batch_jobs`). */
export interface BatchLedgerView {
  id: string;
  accountId: string;
  status: BatchStatus;
  settlementStatus: SettlementStatus;
  requiredCredits: number;
  frozenCredits: number;
  creditsSpent: number;
  refundedCredits: number;
  successCount: number;
  failedCount: number;
  canceledCount: number;
}

/** One task of the batch (`video_tasks`). */
export interface TaskLedgerView {
  id: string;
  status: TaskStatus;
  costCredits: number;
}

interface Tally {
  succeeded: number;
  failed: number;
  canceled: number;
  unfinished: number;
  spent: number;
  totalCost: number;
}

function tallyTasks(tasks: readonly TaskLedgerView[]): Tally {
  const tally: Tally = {
    succeeded: 0,
    failed: 0,
    canceled: 0,
    unfinished: 0,
    spent: 0,
    totalCost: 0,
  };
  for (const task of tasks) {
    assertCredits(task.costCredits, 'task cost');
    tally.totalCost = addCredits(tally.totalCost, task.costCredits, 'task costs');
    if (task.status === 'succeeded') {
      tally.succeeded++;
      tally.spent = addCredits(tally.spent, task.costCredits, 'credits spent');
    } else if (task.status === 'failed') {
      tally.failed++;
    } else if (task.status === 'canceled') {
      tally.canceled++;
    } else {
      tally.unfinished++;
    }
  }
  return tally;
}

/**
 * Checks one batch's money against its tasks and its ledger rows (docs/product.md §5.2–§5.4). `rows` are
 * the ledger rows whose `refId` is this batch.
 *
 * Invariants checked, always: at most one `batch_upfront`; exactly one iff `frozenCredits > 0`,
 * with delta `−frozenCredits`; a frozen batch froze its `requiredCredits`; a `queued` batch is
 * not frozen and a `processing` one is; task costs add up to `requiredCredits`; every
 * `batch_refund` names a task of this batch, at most one per task, only for a failed or
 * canceled task (never succeeded or unfinished), for exactly the task's cost; Σ refunds <=
 * `frozenCredits`. Once settled (`settlementStatus` ≠ `pending`): every task is terminal; every
 * failed/canceled task of a frozen batch has its refund; `creditsSpent = Σ cost(succeeded)`;
 * `frozenCredits = creditsSpent + refundedCredits`; the stored counts and `refundedCredits`
 * match the tasks and the ledger; `settlementStatus` is `refunded` iff credits went back; the
 * status agrees with the outcomes. While pending, the status is not final. Returns `[]` when
 * all hold.
 *
 * @throws RangeError if a credit figure is not a safe integer (`>= 0` where it is an amount).
 */
export function checkBatchLedger(
  batch: BatchLedgerView,
  tasks: readonly TaskLedgerView[],
  rows: readonly LedgerRow[],
): Violation[] {
  for (const [label, value] of [
    ['required credits', batch.requiredCredits],
    ['frozen credits', batch.frozenCredits],
    ['credits spent', batch.creditsSpent],
    ['refunded credits', batch.refundedCredits],
  ] as const) {
    assertCredits(value, label);
  }
  const refs: ViolationRefs = { batchId: batch.id, accountId: batch.accountId };
  const violations: Violation[] = [];
  const report: Report = (code, message, extra = {}) => {
    violations.push(violation(code, message, { ...refs, ...extra }));
  };
  const frozen = batch.frozenCredits;
  const taskById = new Map<string, TaskLedgerView>();
  for (const task of tasks) {
    taskById.set(task.id, task);
  }
  const tally = tallyTasks(tasks);

  // Upfront and refund rows.
  const upfronts: LedgerRow[] = [];
  const refundByTask = new Map<string, LedgerRow>();
  let refundSum = 0;
  for (const row of rows) {
    assertSafeInteger(row.creditsDelta, 'credits delta');
    const ledgerRowId = String(row.id);
    if (row.refId !== batch.id) {
      report(
        'wrong_batch_ref',
        `ledger row ${ledgerRowId} refers to ${row.refId}, not this batch`,
        {
          ledgerRowId,
        },
      );
      continue;
    }
    if (row.accountId !== batch.accountId) {
      report(
        'wrong_account',
        `ledger row ${ledgerRowId} is on account ${row.accountId}, the batch on ${batch.accountId}`,
        { ledgerRowId },
      );
    }
    if (row.refType === 'batch_upfront') {
      upfronts.push(row);
    } else if (row.refType === 'batch_refund') {
      refundSum = addCredits(refundSum, row.creditsDelta, 'refunds');
      checkRefundRow(row, ledgerRowId, taskById, refundByTask, report);
    }
  }

  upfronts.forEach((row, index) => {
    const ledgerRowId = String(row.id);
    if (index > 0) {
      report('duplicate_upfront', `batch has ${upfronts.length} batch_upfront rows; expected one`, {
        ledgerRowId,
      });
    } else if (frozen === 0) {
      report(
        'unexpected_upfront',
        `batch_upfront row ${ledgerRowId} of ${row.creditsDelta} but frozen_credits is 0`,
        { ledgerRowId },
      );
    }
    if (frozen > 0 && row.creditsDelta !== -frozen) {
      report(
        'upfront_amount_mismatch',
        `batch_upfront row ${ledgerRowId} moves ${row.creditsDelta}, expected ${-frozen} (frozen_credits ${frozen})`,
        { ledgerRowId },
      );
    }
  });
  if (frozen > 0 && upfronts.length === 0) {
    report('missing_upfront', `frozen_credits is ${frozen} but there is no batch_upfront row`);
  }
  if (frozen > 0 && frozen !== batch.requiredCredits) {
    report(
      'frozen_required_mismatch',
      `frozen_credits ${frozen} differs from required_credits ${batch.requiredCredits}`,
    );
  }
  // A batch may end without a freeze (canceled or failed before pickup), so only the two
  // in-flight statuses pin the frozen amount.
  if (
    (batch.status === 'queued' && frozen > 0) ||
    (batch.status === 'processing' && frozen === 0)
  ) {
    report('freeze_status_mismatch', `batch is ${batch.status} with frozen_credits ${frozen}`);
  }
  if (tasks.length > 0 && tally.totalCost !== batch.requiredCredits) {
    report(
      'required_mismatch',
      `task costs add up to ${tally.totalCost} but required_credits is ${batch.requiredCredits}`,
    );
  }
  if (refundSum > frozen) {
    report(
      'refund_exceeds_freeze',
      `refunds add up to ${refundSum}, more than the ${frozen} credits frozen`,
    );
  }

  if (batch.settlementStatus === 'pending') {
    if (isFinalBatchStatus(batch.status)) {
      report(
        'settlement_status_mismatch',
        `batch is ${batch.status} but its settlement is still pending`,
      );
    }
    return violations;
  }
  checkSettled(batch, tasks, tally, refundSum, refundByTask, report);
  return violations;
}

type Report = (code: ViolationCode, message: string, extra?: ViolationRefs) => void;

function checkRefundRow(
  row: LedgerRow,
  ledgerRowId: string,
  taskById: ReadonlyMap<string, TaskLedgerView>,
  refundByTask: Map<string, LedgerRow>,
  report: Report,
): void {
  if (row.taskId === null) {
    report('refund_without_task', `batch_refund row ${ledgerRowId} names no task`, { ledgerRowId });
    return;
  }
  const taskId = row.taskId;
  const task = taskById.get(taskId);
  if (task === undefined) {
    report(
      'refund_unknown_task',
      `batch_refund row ${ledgerRowId} names task ${taskId}, not of this batch`,
      {
        ledgerRowId,
        taskId,
      },
    );
    return;
  }
  const earlier = refundByTask.get(taskId);
  if (earlier !== undefined) {
    report(
      'duplicate_refund',
      `task ${taskId} is refunded again by row ${ledgerRowId} (first by row ${String(earlier.id)})`,
      { ledgerRowId, taskId },
    );
  } else {
    refundByTask.set(taskId, row);
  }
  if (task.status === 'succeeded') {
    report(
      'refund_of_succeeded_task',
      `task ${taskId} succeeded but row ${ledgerRowId} refunds ${row.creditsDelta}`,
      { ledgerRowId, taskId },
    );
  } else if (!isTerminalTaskStatus(task.status)) {
    report(
      'refund_of_unfinished_task',
      `task ${taskId} is ${task.status} but row ${ledgerRowId} refunds ${row.creditsDelta}`,
      { ledgerRowId, taskId },
    );
  }
  if (row.creditsDelta !== task.costCredits) {
    report(
      'refund_amount_mismatch',
      `row ${ledgerRowId} refunds ${row.creditsDelta} for task ${taskId} that cost ${task.costCredits}`,
      { ledgerRowId, taskId },
    );
  }
}

function checkSettled(
  batch: BatchLedgerView,
  tasks: readonly TaskLedgerView[],
  tally: Tally,
  refundSum: number,
  refundByTask: ReadonlyMap<string, LedgerRow>,
  report: Report,
): void {
  const frozen = batch.frozenCredits;
  if (!isFinalBatchStatus(batch.status)) {
    report('status_mismatch', `batch is settled (${batch.settlementStatus}) but ${batch.status}`);
  }
  if (tally.unfinished > 0) {
    report('tasks_not_terminal', `batch is settled but ${tally.unfinished} tasks are unfinished`);
  }
  if (frozen > 0) {
    for (const task of tasks) {
      if (isRefundableTaskStatus(task.status) && !refundByTask.has(task.id)) {
        report(
          'missing_refund',
          `task ${task.id} is ${task.status} but its ${task.costCredits} credits were not refunded`,
          { taskId: task.id },
        );
      }
    }
  }
  if (batch.creditsSpent !== tally.spent) {
    report(
      'spent_mismatch',
      `credits_spent is ${batch.creditsSpent} but succeeded tasks cost ${tally.spent}`,
    );
  }
  if (frozen !== batch.creditsSpent + batch.refundedCredits) {
    report(
      'freeze_mismatch',
      `frozen_credits ${frozen} ≠ credits_spent ${batch.creditsSpent} + refunded ${batch.refundedCredits}`,
    );
  }
  if (batch.refundedCredits !== refundSum) {
    report(
      'refunded_mismatch',
      `refunded credits are ${batch.refundedCredits} but batch_refund rows add up to ${refundSum}`,
    );
  }
  for (const [name, stored, actual] of [
    ['success_count', batch.successCount, tally.succeeded],
    ['failed_count', batch.failedCount, tally.failed],
    ['canceled_count', batch.canceledCount, tally.canceled],
  ] as const) {
    if (stored !== actual) {
      report('count_mismatch', `${name} is ${stored} but ${actual} tasks have that outcome`);
    }
  }
  const expectedSettlement = batch.refundedCredits > 0 ? 'refunded' : 'settled';
  if (batch.settlementStatus !== expectedSettlement) {
    report(
      'settlement_status_mismatch',
      `settlement_status is ${batch.settlementStatus} with ${batch.refundedCredits} credits refunded; expected ${expectedSettlement}`,
    );
  }
  if (isFinalBatchStatus(batch.status) && !statusFitsOutcomes(batch.status, tasks.length, tally)) {
    report(
      'status_mismatch',
      `batch is ${batch.status} with ${tally.succeeded} of ${tasks.length} tasks succeeded and ${tally.canceled} canceled`,
    );
  }
}

/** Whether a final status is one {@link finalBatchStatus} could give for these outcomes. */
function statusFitsOutcomes(status: BatchStatus, total: number, tally: Tally): boolean {
  const counts = {
    totalCount: total,
    successCount: tally.succeeded,
    canceledCount: tally.canceled,
  };
  // Whether a cancel was requested is not part of the view, so either answer is acceptable.
  return (
    status === finalBatchStatus({ ...counts, cancelRequested: true }) ||
    status === finalBatchStatus({ ...counts, cancelRequested: false })
  );
}
