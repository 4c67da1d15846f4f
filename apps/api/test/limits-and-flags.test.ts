import { createAccount, createBatch, createModel } from '@batchreel/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockBatches, settleIfComplete } from '../src/execution/settle';
import { createLogger } from '../src/platform/logger';
import { startTestApp, type TestApp } from './helpers';

let t: TestApp;
beforeAll(async () => {
  // sora-2 may run at most 2 videos at once across every fetch loop and worker; two loops each
  // ask for 10. pg-boss's own group limit can be overshot by concurrent fetchers; the worker's
  // slot check (per-model advisory lock + count of running tasks) must still hold the line.
  t = await startTestApp({
    worker: {
      latencyMs: 150,
      taskBatchSize: 10,
      taskConcurrency: 2,
      beforeStart: async (db) => {
        await db.model.update({ where: { id: 'sora-2' }, data: { maxConcurrency: 2 } });
      },
    },
  });
});
afterAll(() => t?.close());

describe('per-model concurrency', () => {
  it("never runs more of a model's tasks at once than models.max_concurrency, across fetch loops", async () => {
    const admitted = await fetch(`${t.baseUrl}/api/enterprise/video-batch`, {
      method: 'POST',
      headers: { 'x-api-key': 'demo-key', 'content-type': 'application/json' },
      body: JSON.stringify({
        items: Array.from({ length: 12 }, (_, i) => ({ prompt: `Clip ${i}`, model: 'sora-2' })),
      }),
    }).then((r) => r.json() as Promise<{ batch_id: string }>);

    let peak = 0;
    for (let i = 0; i < 400; i++) {
      const running = await t.db.videoTask.count({
        where: { batchId: admitted.batch_id, status: 'running' },
      });
      peak = Math.max(peak, running);
      const batch = await t.db.batchJob.findUniqueOrThrow({ where: { id: admitted.batch_id } });
      if (batch.settlementStatus !== 'pending') break;
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    const batch = await t.db.batchJob.findUniqueOrThrow({ where: { id: admitted.batch_id } });
    expect(batch).toMatchObject({ status: 'completed', successCount: 12 });
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(2);
  });
});

describe('settlement', () => {
  it('flags a batch whose money does not add up, and settles nothing', async () => {
    const model = await createModel(t.db, { priceCredits: 10 });
    const account = await createAccount(t.db, { credits: 100 });
    const { batch, tasks } = await createBatch(t.db, {
      accountId: account.id,
      model,
      taskCount: 2,
    });
    await t.db.$transaction([
      t.db.batchJob.update({
        where: { id: batch.id },
        data: { status: 'processing', frozenCredits: 20 },
      }),
      t.db.creditLedger.create({
        data: {
          accountId: account.id,
          refType: 'batch_upfront',
          refId: batch.id,
          creditsDelta: -20,
          balanceAfter: 0,
          actor: 'test',
        },
      }),
    ]);
    // Someone with the table owner's rights changed a task's price behind the application's back,
    // switching off the guard that forbids it: spent would be 25 ≠ 20 frozen.
    await t.db.$transaction([
      t.db.$executeRaw`ALTER TABLE video_tasks DISABLE TRIGGER video_tasks_cost_is_final`,
      t.db.videoTask.update({ where: { id: tasks[0]?.id ?? '' }, data: { costCredits: 15 } }),
      t.db.$executeRaw`ALTER TABLE video_tasks ENABLE TRIGGER video_tasks_cost_is_final`,
    ]);
    await t.db.videoTask.updateMany({
      where: { batchId: batch.id },
      data: { status: 'succeeded', finishedAt: new Date() },
    });

    const logged: unknown[] = [];
    const logger = createLogger({ LOG_LEVEL: 'silent' });
    const spy = Object.assign(Object.create(logger), {
      fatal: (...args: unknown[]) => logged.push(args),
    });
    const outcome = await t.db.$transaction(async (tx) => {
      await lockBatches(tx, [batch.id]);
      return settleIfComplete(tx, t.queue, batch.id, spy);
    });
    expect(outcome).toBe('flagged');
    const flagged = await t.db.batchJob.findUniqueOrThrow({ where: { id: batch.id } });
    expect(flagged).toMatchObject({
      settlementStatus: 'pending',
      status: 'processing',
      creditsSpent: 0,
    });
    expect(flagged.integrityError).toMatch(/required|frozen|spent/i);
    expect(logged).toHaveLength(1);
  });
});
