import type { Database } from '@batchreel/db';
import { fromPrisma } from 'pg-boss';
import { jobs, taskJob } from '../jobs/definitions';
import type { Logger } from '../platform/logger';
import type { Queue } from '../platform/queue';
import { lockBatches, settleIfComplete } from './settle';

/** Work older than this without progress is considered abandoned by its worker. */
const STALE_AFTER = '2 minutes';

/**
 * The safety net behind crash safety (runs every minute, and on demand in tests):
 * - a processing batch whose tasks are all terminal but which is not settled gets settled;
 * - an unfinished task of a processing batch that has no live `task-run` job (its job used up
 *   its retries while workers kept dying) gets a new job;
 * - an admitted batch whose `batch-start` job is gone gets a new one.
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
      await queue.insert(
        jobs.taskRun.name,
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
  for (const { id } of unstarted) await queue.send(jobs.batchStart.name, { batchId: id });

  if (settled || orphans.length || unstarted.length) {
    logger.warn(
      { settled, requeuedTasks: orphans.length, restartedBatches: unstarted.length },
      'repaired stuck work',
    );
  }
  return { settled, requeuedTasks: orphans.length, restartedBatches: unstarted.length };
}
