import type { Database } from '@batchreel/db';
import { Registry } from 'prom-client';
import { freezeBatch } from '../execution/freeze';
import { repairStuckWork } from '../execution/repair';
import { type RetryPolicy, runTaskJobs } from '../execution/run-tasks';
import { jobs } from '../jobs/definitions';
import { workerMetrics } from '../metrics/registry';
import { sweepExpiredVideos } from '../outputs/retention';
import type { Logger } from '../platform/logger';
import type { Storage } from '../platform/object-store';
import { createOutboundClient, type OutboundPolicy } from '../platform/outbound';
import type { Queue } from '../platform/queue';
import type { ProviderRegistry } from '../providers/registry';
import { attemptDelivery, type DeliveryJob, type DeliveryPolicy } from '../webhooks/delivery';

export interface WorkerOptions {
  db: Database;
  queue: Queue;
  logger: Logger;
  /** The process's Prometheus registry (job counters); a private one when absent. */
  metrics?: Registry;
  providers: ProviderRegistry;
  retry: RetryPolicy;
  /** Where succeeded videos are kept; the retention sweep deletes from it too. */
  storage: Storage;
  /** Task jobs fetched per poll, and how many such fetch loops run in this process. */
  taskBatchSize: number;
  taskConcurrency: number;
  /** Seconds between fetches (pg-boss waits this long after every fetch, full or empty). */
  pollingIntervalSeconds: number;
  webhooks: {
    policy: DeliveryPolicy;
    /** Outbound HTTP (the SSRF guard and its `WEBHOOK_ALLOW_PRIVATE_NETWORKS` setting). */
    outbound: OutboundPolicy;
    /** Deliveries this process attempts at once. */
    concurrency: number;
  };
}

/**
 * The worker (docs/product.md §5, §6): pg-boss handlers for freezing batches, running tasks, delivering
 * webhooks and repairing stuck work. Any number of worker processes can run against one database; every handler is
 * idempotent because pg-boss delivers at least once.
 */
export async function startWorker(options: WorkerOptions) {
  const { db, queue, logger } = options;
  const log = logger.child({ component: 'worker' });
  const { track } = workerMetrics(options.metrics ?? new Registry());

  // Per-model limits from the catalogue, enforced by pg-boss across every worker process.
  const models = await db.model.findMany({ select: { id: true, maxConcurrency: true } });
  const tiers = Object.fromEntries(models.map((m) => [m.id, m.maxConcurrency]));

  await queue.work<{ batchId: string }>(
    jobs.batchStart.name,
    { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds },
    async ([job]) => {
      if (!job) return;
      await track(jobs.batchStart.name, 1, () =>
        freezeBatch(db, queue, jobs.batchStart.payload.parse(job.data).batchId, log),
      );
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
      track(jobs.taskRun.name, jobList.length, () =>
        runTaskJobs(
          {
            db,
            queue,
            providers: options.providers,
            retry: options.retry,
            logger: log,
            storage: options.storage,
          },
          jobList,
        ),
      ),
  );
  // Webhooks on their own queue and loops: a slow or dead receiver occupies one delivery loop
  // for at most one timeout and never a task slot; attempts are scheduled jobs, not sleeps.
  const outbound = createOutboundClient(options.webhooks.outbound);
  const delivery = { db, queue, outbound, policy: options.webhooks.policy, logger: log };
  await queue.work<DeliveryJob>(
    jobs.webhookDeliver.name,
    {
      batchSize: 1,
      localConcurrency: options.webhooks.concurrency,
      pollingIntervalSeconds: options.pollingIntervalSeconds,
    },
    async ([job]) => {
      if (!job) return;
      await track(jobs.webhookDeliver.name, 1, () =>
        attemptDelivery(delivery, jobs.webhookDeliver.payload.parse(job.data)),
      );
    },
  );
  await queue.work(jobs.batchRepair.name, { batchSize: 1 }, async () => {
    await track(jobs.batchRepair.name, 1, () => repairStuckWork(db, queue, log));
  });
  await queue.schedule(jobs.batchRepair.name, '* * * * *', {});
  await queue.work(jobs.videoRetention.name, { batchSize: 1 }, async () => {
    await track(jobs.videoRetention.name, 1, () =>
      sweepExpiredVideos(db, options.storage.store, log),
    );
  });
  await queue.schedule(jobs.videoRetention.name, '* * * * *', {});
  log.info(
    { taskBatchSize: options.taskBatchSize, taskConcurrency: options.taskConcurrency },
    'worker started',
  );
}
