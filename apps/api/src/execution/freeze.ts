import { planFreeze } from '@batchreel/billing';
import { type Database, isGuardViolation } from '@batchreel/db';
import { fromPrisma } from 'pg-boss';
import { alertOnLowBalance } from '../finance/alerts';
import { enqueueMany, jobs, taskJob } from '../jobs/definitions';
import { postLedgerEntries } from '../ledger/post';
import type { Logger } from '../platform/logger';
import type { Queue } from '../platform/queue';
import { emitBatchEvent } from '../webhooks/events';
import { lockBatches, settleIfComplete } from './settle';

export type FreezeOutcome = 'frozen' | 'already_frozen' | 'not_queued' | 'not_found' | 'unfunded';

/**
 * The worker picks a batch up (docs/product.md §5.2). One transaction: `queued` → `processing`,
 * `frozen_credits` = `required_credits`, one `batch_upfront` entry of `-required_credits`, and one
 * `task-run` job per task. A retry after a crash finds the batch frozen and does nothing, so the
 * freeze happens exactly once and its tasks are always enqueued with it.
 *
 * A batch whose account can no longer pay (finance moved credits after admission) is not run: its
 * tasks are canceled with `insufficient_credits` and it settles with nothing charged.
 */
export async function freezeBatch(
  db: Database,
  queue: Queue,
  batchId: string,
  logger: Logger,
): Promise<FreezeOutcome> {
  try {
    return await db.$transaction(
      async (tx) => {
        await lockBatches(tx, [batchId]);
        const batch = await tx.batchJob.findUnique({ where: { id: batchId } });
        if (!batch) return 'not_found' as const;
        const plan = planFreeze(batch);
        if (!plan.ok)
          return plan.error.code === 'already_frozen'
            ? ('already_frozen' as const)
            : ('not_queued' as const);

        await tx.batchJob.update({
          where: { id: batchId },
          data: {
            status: plan.value.status,
            frozenCredits: plan.value.frozenCredits,
            startedAt: new Date(),
          },
        });
        await postLedgerEntries(tx, [
          {
            entry: plan.value.ledgerEntry,
            accountId: batch.accountId,
            refId: batchId,
            memo: `Pre-deduction for ${batch.totalCount} videos`,
            actor: 'system:worker',
          },
        ]);
        // The pre-deduction is where the balance falls: finance's low-balance alert is judged
        // on it here, under the account lock the ledger insert took.
        await alertOnLowBalance(tx, queue, batch.accountId);
        const tasks = await tx.videoTask.findMany({
          where: { batchId, status: 'queued' },
          select: { id: true, model: true },
          orderBy: { batchIndex: 'asc' },
        });
        await enqueueMany(
          queue,
          jobs.taskRun,
          tasks.map((task) => taskJob({ taskId: task.id, batchId, model: task.model })),
          { db: fromPrisma(tx) },
        );
        await emitBatchEvent(tx, queue, batchId, 'batch.processing');
        logger.info(
          { batchId, frozenCredits: plan.value.frozenCredits, tasks: tasks.length },
          'batch frozen',
        );
        return 'frozen' as const;
      },
      { timeout: 60_000, maxWait: 20_000 },
    );
  } catch (error) {
    if (!isGuardViolation(error, 'accounts_balance_non_negative')) throw error;
    await db.$transaction(async (tx) => {
      await lockBatches(tx, [batchId]);
      await tx.videoTask.updateMany({
        where: { batchId, status: 'queued' },
        data: {
          status: 'canceled',
          errorCode: 'insufficient_credits',
          errorMessage: 'The account could not pay for this batch when it was due to start.',
          finishedAt: new Date(),
        },
      });
      await tx.batchJob.update({ where: { id: batchId }, data: { cancelRequested: true } });
      await settleIfComplete(tx, queue, batchId, logger);
    });
    logger.warn({ batchId }, 'batch not started: the account balance no longer covers it');
    return 'unfunded';
  }
}
