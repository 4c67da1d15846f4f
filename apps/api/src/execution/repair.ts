import type { Database } from '@batchreel/db';
import { fromPrisma } from 'pg-boss';
import { enqueue, enqueueMany, jobs, taskJob } from '../jobs/definitions';
import type { Logger } from '../platform/logger';
import type { Queue } from '../platform/queue';
import { lockBatches, settleIfComplete } from './settle';

/** Work older than this without progress is considered abandoned by its worker. */
const STALE_AFTER = '2 minutes';
/** A delivery this late has lost its job: pg-boss's own retries span about five minutes. */
const WEBHOOK_OVERDUE_AFTER = '15 minutes';

/**
 * The safety net behind crash safety (runs every minute, and on demand in tests):
 * - a processing batch whose tasks are all terminal but which is not settled gets settled;
 * - an unfinished task of a processing batch that has no live `task-run` job (its job used up
 *   its retries while workers kept dying) gets a new job;
 * - an admitted batch whose `batch-start` job is gone gets a new one;
 * - a pending webhook delivery whose job is gone gets its next attempt.
 * Everything it does is idempotent, so overlapping runs are harmless.
 */
export async function repairStuckWork(db: Database, queue: Queue, logger: Logger) {
  let settled = 0;
  const finished = await db.$queryRaw<{ id: string }[]>`
    SELECT b.id FROM batch_jobs b
     WHERE b.status = 'processing' AND b.settlement_status = 'pending' AND b.integrity_error IS NULL
       AND NOT EXISTS (SELECT 1 FROM video_tasks t WHERE t.batch_id = b.id AND t.status IN ('queued', 'running'))`;
  for (const { id } of finished) {
    const outcome = await db.$transaction(async (tx) => {
      await lockBatches(tx, [id]);
      return settleIfComplete(tx, queue, id, logger);
    });
    if (outcome === 'settled') settled++;
  }

  const orphans = await db.$queryRaw<{ id: string; batch_id: string; model: string }[]>`
    SELECT t.id, t.batch_id, t.model FROM video_tasks t JOIN batch_jobs b ON b.id = t.batch_id
     WHERE b.status = 'processing' AND t.status IN ('queued', 'running')
       AND t.updated_at < now() - ${STALE_AFTER}::interval
       AND NOT EXISTS (
         SELECT 1 FROM pgboss.job j
          WHERE j.name = ${jobs.taskRun.name} AND j.state < 'completed' AND j.data->>'taskId' = t.id::text)`;
  if (orphans.length > 0) {
    await db.$transaction(async (tx) => {
      await enqueueMany(
        queue,
        jobs.taskRun,
        orphans.map((t) => taskJob({ taskId: t.id, batchId: t.batch_id, model: t.model })),
        { db: fromPrisma(tx) },
      );
    });
  }

  const unstarted = await db.$queryRaw<{ id: string }[]>`
    SELECT b.id FROM batch_jobs b
     WHERE b.status = 'queued' AND b.created_at < now() - ${STALE_AFTER}::interval
       AND NOT EXISTS (
         SELECT 1 FROM pgboss.job j
          WHERE j.name = ${jobs.batchStart.name} AND j.state < 'completed' AND j.data->>'batchId' = b.id::text)`;
  for (const { id } of unstarted) await enqueue(queue, jobs.batchStart, { batchId: id });

  // A pending webhook delivery long past its due time with no live job (its job used up
  // pg-boss's retries, e.g. through a long database outage) gets its next attempt again. A
  // duplicate job would be harmless: an attempt only counts when it matches attempt_count.
  const overdue = await db.$queryRaw<{ id: string; attempt_count: number }[]>`
    SELECT d.id, d.attempt_count FROM webhook_deliveries d
     WHERE d.status = 'pending' AND d.next_attempt_at < now() - ${WEBHOOK_OVERDUE_AFTER}::interval
       AND NOT EXISTS (
         SELECT 1 FROM pgboss.job j
          WHERE j.name = ${jobs.webhookDeliver.name} AND j.state < 'completed'
            AND j.data->>'deliveryId' = d.id::text)`;
  for (const delivery of overdue) {
    await enqueue(queue, jobs.webhookDeliver, {
      deliveryId: delivery.id,
      attempt: delivery.attempt_count + 1,
      // Resume the retry schedule where the attempt count says it stands.
      nextRetry: delivery.attempt_count,
    });
  }

  const repaired = {
    settled,
    requeuedTasks: orphans.length,
    restartedBatches: unstarted.length,
    requeuedWebhooks: overdue.length,
  };
  if (Object.values(repaired).some((count) => count > 0)) {
    logger.warn(repaired, 'repaired stuck work');
  }
  return repaired;
}
