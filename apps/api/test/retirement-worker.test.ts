// Retirement while the real worker runs (issue 15): the task running at a provider finishes on
// the old model; the queued ones move to the replacement, run there and are charged the price
// they were admitted at.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers';
import { callerFor, createStaff } from './support/admin';
import { accountWithKey, createPerSecondModel } from './support/catalogue';
import { clientOf, waitUntilSettled } from './support/scenarios';
import { eventually } from './support/webhook-receiver';

let t: TestApp;
const OLD = 'veo-old';
const NEXT = 'veo-next';

beforeAll(async () => {
  t = await startTestApp({
    worker: {
      latencyMs: 10,
      taskTimeoutMs: 2000,
      maxAttempts: 1,
      beforeStart: async (db) => {
        // One at a time on the old model, so the others wait in the queue while one runs.
        await createPerSecondModel(db, { id: OLD, maxConcurrency: 1 });
        await createPerSecondModel(db, { id: NEXT, creditsPerSecond: { '1280x720': 7 } });
      },
    },
  });
});
afterAll(() => t?.close());

describe('retiring a model while its batch runs', () => {
  it('lets the running task finish on the old model and runs the queued ones on the replacement', async () => {
    const { key } = await accountWithKey(t.db, 12 + 3 * 24);
    const client = await clientOf(t, { apiKey: key });
    // The old model's only slot: a task that runs until the attempt times out.
    const { batch: slow } = await client.createBatch({
      items: [{ prompt: 'A slow sunrise [sim:timeout]', model: OLD, seconds: 4, size: '1280x720' }],
    });
    await eventually(
      async () =>
        (await t.db.videoTask.count({ where: { batchId: slow.batch_id, status: 'running' } })) ===
        1,
    );
    const { batch } = await client.createBatch({
      items: [1, 2, 3].map((i) => ({
        prompt: `A harbour #${i}`,
        model: OLD,
        seconds: 8,
        size: '1280x720',
      })), // 24 each
    });

    const admin = await createStaff(t.db, 'admin');
    expect(await callerFor(t, admin.user).models.retire({ id: OLD, replacement: NEXT })).toEqual({
      moved: 3,
      canceled: 0,
      refundedCredits: 0,
    });

    expect(await waitUntilSettled(t, slow.batch_id, { apiKey: key })).toMatchObject({
      status: 'failed',
      refunded_credits: 12,
    });
    const [running] = await t.db.videoTask.findMany({ where: { batchId: slow.batch_id } });
    expect(running).toMatchObject({ model: OLD, status: 'failed', errorCode: 'timeout' });

    expect(await waitUntilSettled(t, batch.batch_id, { apiKey: key })).toMatchObject({
      status: 'completed',
      success_count: 3,
      credits_spent: 72, // the admitted 24 each, not the replacement's 7 × 8 = 56
    });
    const moved = await t.db.videoTask.findMany({ where: { batchId: batch.batch_id } });
    expect(moved.map((task) => [task.model, task.status, task.costCredits])).toEqual([
      [NEXT, 'succeeded', 24],
      [NEXT, 'succeeded', 24],
      [NEXT, 'succeeded', 24],
    ]);
    expect(await client.balance()).toMatchObject({ balance: 12, reserved_credits: 0 });
  }, 60_000);
});
