import { createPrismaClient, type Database } from '@batchreel/db';
import {
  createAccount,
  createBatch,
  createModel,
  createTestDatabase,
  type TestDatabase,
} from '@batchreel/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repairStuckWork } from '../src/execution/repair';
import { jobs } from '../src/jobs/definitions';
import { createLogger } from '../src/platform/logger';
import { type Queue, startQueue } from '../src/platform/queue';

let database: TestDatabase;
let db: Database;
let queue: Queue;
const logger = createLogger({ LOG_LEVEL: 'silent' });

beforeAll(async () => {
  database = await createTestDatabase();
  db = createPrismaClient(database.connectionString, { maxConnections: 4 });
  queue = await startQueue(database.connectionString, logger, 2);
});
afterAll(async () => {
  await queue?.stop({ graceful: false });
  await db?.$disconnect();
  await database?.drop();
});

/** A frozen batch as the worker leaves it: processing, upfront written, no task jobs. */
async function frozenBatch(taskCount: number) {
  const model = await createModel(db, { priceCredits: 10 });
  const account = await createAccount(db, { credits: 1000 });
  const { batch, tasks } = await createBatch(db, { accountId: account.id, model, taskCount });
  await db.$transaction([
    db.batchJob.update({
      where: { id: batch.id },
      data: { status: 'processing', frozenCredits: batch.requiredCredits },
    }),
    db.creditLedger.create({
      data: {
        accountId: account.id,
        refType: 'batch_upfront',
        refId: batch.id,
        creditsDelta: -batch.requiredCredits,
        balanceAfter: 0,
        actor: 'test',
      },
    }),
  ]);
  return { batch, tasks, account };
}

async function jobsFor(name: string, key: 'taskId' | 'batchId' | 'deliveryId', id: string) {
  const rows = await db.$queryRaw<{ state: string }[]>`
    SELECT state::text FROM pgboss.job WHERE name = ${name} AND data->>${key} = ${id}`;
  return rows.map((r) => r.state);
}

describe('batch-repair', () => {
  it('settles a processing batch whose tasks all ended but which a crash left unsettled', async () => {
    const { batch, tasks } = await frozenBatch(2);
    await db.videoTask.update({
      where: { id: tasks[0]?.id },
      data: { status: 'succeeded', finishedAt: new Date() },
    });
    await db.$transaction([
      db.videoTask.update({
        where: { id: tasks[1]?.id },
        data: { status: 'failed', errorCode: 'timeout', finishedAt: new Date() },
      }),
      db.creditLedger.create({
        data: {
          accountId: batch.accountId,
          refType: 'batch_refund',
          refId: batch.id,
          taskId: tasks[1]?.id,
          creditsDelta: 10,
          balanceAfter: 0,
          actor: 'test',
        },
      }),
    ]);
    const result = await repairStuckWork(db, queue, logger);
    expect(result.settled).toBeGreaterThanOrEqual(1);
    expect(await db.batchJob.findUniqueOrThrow({ where: { id: batch.id } })).toMatchObject({
      status: 'partial',
      settlementStatus: 'refunded',
      successCount: 1,
      failedCount: 1,
      creditsSpent: 10,
      refundedCredits: 10,
    });
    // Running it again changes nothing.
    expect((await repairStuckWork(db, queue, logger)).settled).toBe(0);
  });

  it('gives a new job to an unfinished task whose job is gone, but not to one that has a job', async () => {
    const { tasks } = await frozenBatch(2);
    const [orphan, covered] = tasks as [(typeof tasks)[0], (typeof tasks)[0]];
    // Both stalled long ago; only `covered` still has a live job.
    await db.$executeRaw`UPDATE video_tasks SET status = 'running', updated_at = now() - interval '10 minutes' WHERE batch_id = ${orphan.batchId}::uuid`;
    await queue.send(jobs.taskRun.name, { taskId: covered.id, batchId: covered.batchId });
    await repairStuckWork(db, queue, logger);
    expect(await jobsFor(jobs.taskRun.name, 'taskId', orphan.id)).toEqual(['created']);
    expect(await jobsFor(jobs.taskRun.name, 'taskId', covered.id)).toEqual(['created']);
  });

  it('re-sends batch-start for an admitted batch whose job is gone', async () => {
    const model = await createModel(db, { priceCredits: 10 });
    const account = await createAccount(db, { credits: 100 });
    const { batch } = await createBatch(db, { accountId: account.id, model, taskCount: 1 });
    await db.$executeRaw`UPDATE batch_jobs SET created_at = now() - interval '10 minutes' WHERE id = ${batch.id}::uuid`;
    expect(await jobsFor(jobs.batchStart.name, 'batchId', batch.id)).toEqual([]);
    const result = await repairStuckWork(db, queue, logger);
    expect(result.restartedBatches).toBeGreaterThanOrEqual(1);
    expect(await jobsFor(jobs.batchStart.name, 'batchId', batch.id)).toEqual(['created']);
  });

  it('gives an overdue pending webhook delivery whose job is gone its next attempt, once', async () => {
    const account = await createAccount(db, { credits: 0 });
    const delivery = await db.webhookDelivery.create({
      data: {
        accountId: account.id,
        eventId: `evt_repair_${account.id}`,
        eventType: 'batch.completed',
        url: 'https://hooks.customer.example/hook',
        payload: {},
        attemptCount: 2,
        nextAttemptAt: new Date(Date.now() - 20 * 60_000),
      },
    });
    const due = await db.webhookDelivery.create({
      data: {
        accountId: account.id,
        eventId: `evt_repair_due_${account.id}`,
        eventType: 'batch.completed',
        url: 'https://hooks.customer.example/hook',
        payload: {},
        nextAttemptAt: new Date(Date.now() - 60_000), // late, but its job may just be queued
      },
    });
    expect(await jobsFor(jobs.webhookDeliver.name, 'deliveryId', delivery.id)).toEqual([]);
    const result = await repairStuckWork(db, queue, logger);
    expect(result.requeuedWebhooks).toBe(1);
    const rows = await db.$queryRaw<{ data: unknown }[]>`
      SELECT data FROM pgboss.job WHERE name = ${jobs.webhookDeliver.name} AND data->>'deliveryId' = ${delivery.id}`;
    expect(rows.map((r) => r.data)).toEqual([
      { deliveryId: delivery.id, attempt: 3, nextRetry: 2 },
    ]);
    expect(await jobsFor(jobs.webhookDeliver.name, 'deliveryId', due.id)).toEqual([]);
    expect((await repairStuckWork(db, queue, logger)).requeuedWebhooks).toBe(0);
  });
});
