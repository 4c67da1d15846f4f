import type { Database } from '@batchreel/db';
import { isUuid } from '../platform/ids';
import type { Logger } from '../platform/logger';
import type { Queue } from '../platform/queue';
import { failTasks } from './finalize';
import { lockBatches, settleIfComplete } from './settle';

export type CancelOutcome =
  | { kind: 'canceled'; canceledTasks: number; settled: boolean }
  | { kind: 'not_found' }
  | { kind: 'not_cancellable'; status: string };

/**
 * Cancels a batch (docs/product.md §3): tasks not yet started become `canceled` and — when the batch's
 * credits were already frozen — get their refund in the same transaction; running tasks finish.
 * The batch settles as soon as its last task is terminal (at once when nothing was running).
 */
export async function cancelBatch(
  db: Database,
  queue: Queue,
  accountId: string,
  batchId: string,
  logger: Logger,
): Promise<CancelOutcome> {
  if (!isUuid(batchId)) return { kind: 'not_found' };
  return db.$transaction(async (tx) => {
    await lockBatches(tx, [batchId]);
    const batch = await tx.batchJob.findFirst({ where: { id: batchId, accountId } });
    if (!batch) return { kind: 'not_found' as const };
    if (batch.status !== 'queued' && batch.status !== 'processing') {
      return { kind: 'not_cancellable' as const, status: batch.status };
    }
    await tx.batchJob.update({ where: { id: batchId }, data: { cancelRequested: true } });
    const now = new Date();
    const waiting = await tx.videoTask.findMany({
      where: { batchId, status: 'queued' },
      select: { id: true },
    });
    const message = 'Canceled at the customer’s request before it started.';
    let canceledTasks = 0;
    if (batch.frozenCredits > 0) {
      canceledTasks = await failTasks(
        tx,
        waiting.map((task) => ({ taskId: task.id, code: 'canceled' as const, message })),
        now,
        'canceled',
        ['queued'],
      );
    } else {
      // Nothing was frozen yet, so nothing is refunded: the reservation simply ends.
      ({ count: canceledTasks } = await tx.videoTask.updateMany({
        where: { batchId, status: 'queued' },
        data: { status: 'canceled', errorCode: 'canceled', errorMessage: message, finishedAt: now },
      }));
    }
    const settled = (await settleIfComplete(tx, queue, batchId, logger)) === 'settled';
    logger.info({ batchId, canceledTasks, settled }, 'batch cancel requested');
    return { kind: 'canceled' as const, canceledTasks, settled };
  });
}
