import {
  checkAccountLedger,
  checkBatchLedger,
  checkLedgerChain,
  VIOLATION_CODES,
  type Violation,
  type ViolationCode,
} from '@batchreel/billing';
import type { Database } from '@batchreel/db';

/** Every code the integrity view can show: the billing checks' and this file's own. */
export const INTEGRITY_CODES = [...VIOLATION_CODES, 'orphan_reservation'] as const;

/** The families of invariants the check covers, each over its own kind of record. */
export const INTEGRITY_CHECKS = [
  'chains',
  'balances',
  'upfronts',
  'refunds',
  'settlements',
  'reservations',
] as const;
export type IntegrityCheckKey = (typeof INTEGRITY_CHECKS)[number];

/** One family: how many records it looked at and how many violations it found among them. */
export interface IntegrityCheck {
  key: IntegrityCheckKey;
  /**
   * chains: ledger rows; balances: accounts; upfronts: started batches; refunds: refund rows;
   * settlements: settled batches; reservations: waiting (queued) batches.
   */
  checked: number;
  violations: number;
}

export interface IntegrityReport {
  checkedAt: Date;
  accounts: number;
  batches: number;
  ledgerRows: number;
  /** What was checked, with counts, in the order above (shown by the admin and the CLI). */
  checks: IntegrityCheck[];
  violations: Violation[];
}

/** Which family each violation code belongs to (a new code without a family is a type error). */
const CHECK_OF: Record<ViolationCode | 'orphan_reservation', IntegrityCheckKey> = {
  ledger_hash_mismatch: 'chains',
  ledger_chain_broken: 'chains',
  wrong_account: 'balances',
  duplicate_row_id: 'balances',
  zero_delta: 'balances',
  wrong_sign: 'balances',
  balance_after_mismatch: 'balances',
  negative_balance: 'balances',
  balance_mismatch: 'balances',
  wrong_batch_ref: 'upfronts',
  duplicate_upfront: 'upfronts',
  missing_upfront: 'upfronts',
  unexpected_upfront: 'upfronts',
  upfront_amount_mismatch: 'upfronts',
  frozen_required_mismatch: 'upfronts',
  freeze_status_mismatch: 'upfronts',
  required_mismatch: 'upfronts',
  refund_without_task: 'refunds',
  refund_unknown_task: 'refunds',
  duplicate_refund: 'refunds',
  refund_of_succeeded_task: 'refunds',
  refund_of_unfinished_task: 'refunds',
  refund_amount_mismatch: 'refunds',
  refund_exceeds_freeze: 'refunds',
  missing_refund: 'refunds',
  freeze_mismatch: 'settlements',
  spent_mismatch: 'settlements',
  refunded_mismatch: 'settlements',
  count_mismatch: 'settlements',
  task_count_mismatch: 'settlements',
  tasks_not_terminal: 'settlements',
  status_mismatch: 'settlements',
  settlement_status_mismatch: 'settlements',
  orphan_reservation: 'reservations',
};

/**
 * The docs/product.md §5 invariants over the whole database, through `packages/billing`'s checks: every
 * account's ledger (balances, and the hash chain that makes an edited, removed or inserted row
 * visible), and every started batch's money (one upfront of
 * -required, exactly one refund per failed or canceled task and none for a succeeded one,
 * settled ⇒ frozen = spent + refunded). Also: no reservation left by a batch that has finished.
 * Reads one account's ledger at a time and batches 200 at a time (memory grows with the largest
 * single account's ledger, not with the database).
 */
export async function checkIntegrity(db: Database): Promise<IntegrityReport> {
  const violations: Violation[] = [];
  let ledgerRows = 0;
  const accounts = await db.account.findMany({
    select: { id: true, balance: true },
    orderBy: { id: 'asc' },
  });
  for (const account of accounts) {
    const rows = await db.creditLedger.findMany({
      where: { accountId: account.id },
      orderBy: { id: 'asc' },
      select: {
        id: true,
        accountId: true,
        refType: true,
        refId: true,
        taskId: true,
        creditsDelta: true,
        balanceAfter: true,
        createdAt: true,
        prevHash: true,
        rowHash: true,
      },
    });
    ledgerRows += rows.length;
    violations.push(...checkAccountLedger(account, rows));
    // Tamper evidence: each row's hash, chained to the row before it.
    violations.push(...checkLedgerChain(account.id, rows));
  }

  let batches = 0;
  let settledBatches = 0;
  let refundRows = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const page = await db.batchJob.findMany({
      where: { id: { gt: after }, status: { not: 'queued' } },
      orderBy: { id: 'asc' },
      take: 200,
    });
    if (page.length === 0) break;
    after = page.at(-1)?.id ?? after;
    const ids = page.map((b) => b.id);
    const [tasks, rows] = await Promise.all([
      db.videoTask.findMany({
        where: { batchId: { in: ids } },
        select: { id: true, batchId: true, status: true, costCredits: true },
      }),
      db.creditLedger.findMany({
        where: { refId: { in: ids }, refType: { in: ['batch_upfront', 'batch_refund'] } },
        orderBy: { id: 'asc' },
        select: {
          id: true,
          accountId: true,
          refType: true,
          refId: true,
          taskId: true,
          creditsDelta: true,
          balanceAfter: true,
        },
      }),
    ]);
    for (const batch of page) {
      violations.push(
        ...checkBatchLedger(
          batch,
          tasks.filter((t) => t.batchId === batch.id),
          rows.filter((r) => r.refId === batch.id),
        ),
      );
    }
    batches += page.length;
    settledBatches += page.filter((b) => b.settlementStatus !== 'pending').length;
    refundRows += rows.filter((r) => r.refType === 'batch_refund').length;
  }

  // A queued batch never holds frozen credits; one with frozen credits must have its upfront.
  const orphans = await db.$queryRaw<{ id: string; account_id: string }[]>`
    SELECT b.id, b.account_id FROM batch_jobs b
     WHERE b.status = 'queued' AND b.frozen_credits <> 0`;
  for (const o of orphans) {
    violations.push({
      code: 'orphan_reservation' satisfies (typeof INTEGRITY_CODES)[number],
      message: `Batch ${o.id} is queued but holds frozen credits.`,
      batchId: o.id,
      accountId: o.account_id,
    });
  }
  const waitingBatches = await db.batchJob.count({ where: { status: 'queued' } });

  const checked: Record<IntegrityCheckKey, number> = {
    chains: ledgerRows,
    balances: accounts.length,
    upfronts: batches,
    refunds: refundRows,
    settlements: settledBatches,
    reservations: waitingBatches,
  };
  const checks = INTEGRITY_CHECKS.map((key) => ({
    key,
    checked: checked[key],
    violations: violations.filter(
      (v) => (CHECK_OF[v.code as keyof typeof CHECK_OF] ?? 'settlements') === key,
    ).length,
  }));
  return {
    checkedAt: new Date(),
    accounts: accounts.length,
    batches,
    ledgerRows,
    checks,
    violations,
  };
}
