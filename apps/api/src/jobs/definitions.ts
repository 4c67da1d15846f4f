import type { PgBoss, Queue as QueuePolicy, SendOptions } from 'pg-boss';
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
    queue: { retryLimit: 10, retryDelay: 5, retryBackoff: true },
  }),
} as const;

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
