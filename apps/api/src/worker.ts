import type { Database } from '@batchreel/db';
import { freezeBatch } from './execution/freeze';
import { repairStuckWork } from './execution/repair';
import { type RetryPolicy, runTaskJobs } from './execution/run-tasks';
import { jobs } from './jobs/definitions';
import type { Logger } from './platform/logger';
import type { Queue } from './platform/queue';
import type { ProviderRegistry } from './providers/registry';

export interface WorkerOptions {
  db: Database;
  queue: Queue;
  logger: Logger;
  providers: ProviderRegistry;
  retry: RetryPolicy;
  /** Task jobs fetched per poll, and how many such fetch loops run in this process. */
  taskBatchSize: number;
  taskConcurrency: number;
  /** Seconds between fetches (pg-boss waits this long after every fetch, full or empty). */
  pollingIntervalSeconds: number;
}

/**
 * The worker (SPEC §5, §6): pg-boss handlers for freezing batches, running tasks and repairing
 * stuck work. Any number of worker processes can run against one database; every handler is
 * idempotent because pg-boss delivers at least once.
 */
export async function startWorker(options: WorkerOptions) {
  const { db, queue, logger } = options;
  const log = logger.child({ component: 'worker' });

  // Per-model limits from the catalogue, enforced by pg-boss across every worker process.
  const models = await db.model.findMany({ select: { id: true, maxConcurrency: true } });
  const tiers = Object.fromEntries(models.map((m) => [m.id, m.maxConcurrency]));

  await queue.work<{ batchId: string }>(
    jobs.batchStart.name,
    { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds },
    async ([job]) => {
      if (job) await freezeBatch(db, queue, jobs.batchStart.payload.parse(job.data).batchId, log);
    },
  );
  await queue.work<{ taskId: string; batchId: string }>(
    jobs.taskRun.name,
    {
      batchSize: options.taskBatchSize,
      localConcurrency: options.taskConcurrency,
      pollingIntervalSeconds: options.pollingIntervalSeconds,
      groupConcurrency: { default: 8, tiers },
    },
    (jobList) =>
      runTaskJobs(
        { db, queue, providers: options.providers, retry: options.retry, logger: log },
        jobList,
      ),
  );
  await queue.work(jobs.batchRepair.name, { batchSize: 1 }, async () => {
    await repairStuckWork(db, queue, log);
  });
  await queue.schedule(jobs.batchRepair.name, '* * * * *', {});
  log.info(
    { taskBatchSize: options.taskBatchSize, taskConcurrency: options.taskConcurrency },
    'worker started',
  );
}
