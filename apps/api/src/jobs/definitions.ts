import type { InsertOptions, JobInsert, PgBoss, Queue as QueuePolicy, SendOptions } from 'pg-boss';
import { z } from 'zod';

/**
 * A kind of background job: its queue name, the shape of its payload and its queue policy.
 * Handlers are attached by the worker; everything that enqueues goes through `enqueue()` with one
 * of these, so no code sends to a queue named by a loose string.
 */
export interface JobDefinition<Payload extends z.ZodType> {
  name: string;
  payload: Payload;
  queue: Omit<QueuePolicy, 'name'>;
}

function defineJob<Payload extends z.ZodType>(job: JobDefinition<Payload>) {
  return job;
}

export const jobs = {
  /**
   * An admitted batch waits for the worker to freeze its credits and start its tasks. Sent in the
   * admission transaction, so there is never a batch without its job or a job without its batch.
   */
  batchStart: defineJob({
    name: 'batch-start',
    payload: z.object({ batchId: z.uuid() }),
    // Heartbeats: a worker killed mid-freeze hands the job on within seconds, not at expiry.
    queue: { retryLimit: 10, retryDelay: 5, retryBackoff: true, heartbeatSeconds: 10 },
  }),
  /**
   * One video task. Grouped by model so that pg-boss's `groupConcurrency` caps how many tasks of a
   * model run at once across every worker. Heartbeats let a crashed worker's jobs be retried
   * within seconds instead of waiting for expiry; the handler is idempotent because pg-boss may
   * run a job twice.
   */
  taskRun: defineJob({
    name: 'task-run',
    payload: z.object({ taskId: z.uuid(), batchId: z.uuid() }),
    queue: {
      retryLimit: 20,
      retryDelay: 2,
      retryBackoff: true,
      expireInSeconds: 1800,
      heartbeatSeconds: 10,
    },
  }),
  /**
   * One attempt to deliver a webhook event. The retry schedule is ours (each failed attempt sends
   * the next attempt as a delayed job, in the transaction that records it); pg-boss's own retries
   * only cover a worker that crashed mid-attempt. `nextRetry` is the position in the schedule
   * that a failure moves to; null for a manual redelivery, which is a single attempt.
   */
  webhookDeliver: defineJob({
    name: 'webhook-deliver',
    payload: z.object({
      deliveryId: z.uuid(),
      attempt: z.number().int().min(1),
      nextRetry: z.number().int().min(0).nullable(),
    }),
    queue: { retryLimit: 5, retryDelay: 10, retryBackoff: true, heartbeatSeconds: 10 },
  }),
  /**
   * Periodic sweep that deletes stored videos whose account's retention period has ended
   * (docs/storage.md). Never touches the ledger. The next run is the retry.
   */
  videoRetention: defineJob({
    name: 'video-retention',
    payload: z.object({}),
    queue: { retryLimit: 0 },
  }),
  /** Periodic sweep that settles batches a crash left with every task finished but unsettled. */
  batchRepair: defineJob({
    name: 'batch-repair',
    payload: z.object({}),
    queue: { retryLimit: 0 },
  }),
} as const;

/** The pg-boss group of a task job: its model, so the model's concurrency limit applies. */
export function taskGroup(model: string) {
  return { group: { id: model, tier: model } };
}

/** A `task-run` job row for `enqueueMany`, in its model's group. */
export function taskJob(task: { taskId: string; batchId: string; model: string }) {
  return { data: { taskId: task.taskId, batchId: task.batchId }, ...taskGroup(task.model) };
}

export type JobName = (typeof jobs)[keyof typeof jobs]['name'];

/** Creates every queue this code base uses (idempotent; run at start-up by API and worker). */
export async function ensureQueues(boss: PgBoss) {
  for (const job of Object.values(jobs)) {
    await boss.createQueue(job.name, job.queue);
  }
}

/** Enqueues a validated payload; `options.db` enlists the insert in the caller's transaction. */
export async function enqueue<Payload extends z.ZodType>(
  boss: PgBoss,
  job: JobDefinition<Payload>,
  payload: z.input<Payload>,
  options: SendOptions = {},
): Promise<string | null> {
  const data = job.payload.parse(payload) as object;
  return boss.send(job.name, data, options);
}

/**
 * Enqueues many jobs of one kind in one insert (a batch's tasks), each payload validated;
 * `options.db` enlists the insert in the caller's transaction.
 */
export async function enqueueMany<Payload extends z.ZodType>(
  boss: PgBoss,
  job: JobDefinition<Payload>,
  rows: (Omit<JobInsert, 'data'> & { data: z.input<Payload> })[],
  options: InsertOptions = {},
): Promise<void> {
  if (rows.length === 0) return;
  await boss.insert(
    job.name,
    rows.map((row) => ({ ...row, data: job.payload.parse(row.data) as object })),
    options,
  );
}
