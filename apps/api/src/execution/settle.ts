import { settleBatch } from '@batchreel/billing';
import type { Prisma } from '@batchreel/db';
import type { Logger } from '../platform/logger';
import type { Queue } from '../platform/queue';
import { emitBatchEvent, settlementEventType } from '../webhooks/events';

type Tx = Prisma.TransactionClient;

export type SettleOutcome =
  | 'settled'
  | 'not_finished'
  | 'already_settled'
  | 'flagged'
  | 'not_found';

/**
 * Settles a batch once every task is terminal (docs/product.md §5.4), inside the caller's transaction.
 *
 * The caller must hold the batch row lock (`lockBatches`), which makes this exactly-once: the
 * transaction that turns the last task terminal sees every earlier one committed, and a second
 * call finds `settlement_status` no longer `pending`. The figures come from `packages/billing`;
 * when the money does not add up the batch is flagged (`integrity_error`) and logged loudly,
 * never corrected. Settling records the batch's closing webhook event in the same transaction.
 */
export async function settleIfComplete(
  tx: Tx,
  queue: Queue,
  batchId: string,
  logger: Logger,
): Promise<SettleOutcome> {
  const batch = await tx.batchJob.findUnique({ where: { id: batchId } });
  if (!batch) return 'not_found';
  if (batch.settlementStatus !== 'pending') return 'already_settled';
  if (batch.status !== 'processing' && batch.status !== 'queued') return 'already_settled';

  const tasks = await tx.videoTask.findMany({
    where: { batchId },
    select: { status: true, costCredits: true },
  });
  if (tasks.some((task) => task.status === 'queued' || task.status === 'running'))
    return 'not_finished';

  const [{ refunded }] = (await tx.$queryRaw<{ refunded: number }[]>`
    SELECT COALESCE(SUM(credits_delta), 0)::int AS refunded
      FROM credit_ledger WHERE ref_type = 'batch_refund' AND ref_id = ${batchId}::uuid`) as [
    { refunded: number },
  ];
  const result = settleBatch({
    requiredCredits: batch.requiredCredits,
    frozenCredits: batch.frozenCredits,
    totalCount: batch.totalCount,
    cancelRequested: batch.cancelRequested,
    tasks,
    refundedCredits: refunded,
  });
  if (!result.ok) {
    const problem =
      result.error.code === 'invariant_violated'
        ? result.error.violations.map((v) => `${v.code}: ${v.message}`).join('; ')
        : `${result.error.code}`;
    await tx.batchJob.update({ where: { id: batchId }, data: { integrityError: problem } });
    logger.fatal(
      { batchId, problem },
      'BATCH NOT SETTLED: money invariant violated; flagged for review',
    );
    return 'flagged';
  }
  const s = result.value;
  const now = new Date();
  await tx.batchJob.update({
    where: { id: batchId },
    data: {
      status: s.status,
      settlementStatus: s.settlementStatus,
      successCount: s.successCount,
      failedCount: s.failedCount,
      canceledCount: s.canceledCount,
      creditsSpent: s.creditsSpent,
      refundedCredits: s.refundedCredits,
      finishedAt: now,
      settledAt: now,
    },
  });
  // The client's notification commits with the settlement (delivered later, by another job).
  await emitBatchEvent(tx, queue, batchId, settlementEventType(s.status));
  logger.info(
    { batchId, status: s.status, creditsSpent: s.creditsSpent, refundedCredits: s.refundedCredits },
    'batch settled',
  );
  return 'settled';
}

/**
 * Locks batch rows in id order (one order everywhere, so two transactions never wait on each
 * other in a cycle). Everything that changes a batch's tasks or money takes this lock first.
 */
export async function lockBatches(tx: Tx, batchIds: readonly string[]) {
  const ids = [...new Set(batchIds)].sort();
  if (ids.length === 0) return;
  await tx.$queryRaw`SELECT id FROM batch_jobs WHERE id = ANY(${ids}::uuid[]) ORDER BY id FOR UPDATE`;
}
