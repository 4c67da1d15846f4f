// The video store goes down mid-batch (issue 18). A store that refuses writes for 20 s: tasks
// whose copy failed wait (`storage_error`, retried with the executor's transient policy) and
// then succeed; nothing is refunded because of the outage. A store that stays down: the tasks
// fail with `storage_error` once their attempts are spent, and each is refunded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers';
import { sha256 } from './support/downloads';
import { LocalS3 } from './support/local-s3';
import { clientOf, prompts, submitBatch, waitUntilSettled } from './support/scenarios';

const OUTAGE_MS = 20_000;

describe('a 20-second storage outage mid-batch', () => {
  let s3: LocalS3;
  let t: TestApp;

  beforeAll(async () => {
    s3 = await LocalS3.start();
    t = await startTestApp({
      storage: s3.storage(),
      worker: {
        latencyMs: 300,
        taskTimeoutMs: 2000,
        // 1, 2, 4, 8 and 16 s (±20 %) between six attempts: the retry bound is over 24 s.
        maxAttempts: 6,
        retryBaseMs: 1000,
        // Two at a time, so that the outage falls in the middle of the batch.
        beforeStart: (db) =>
          db.model.update({ where: { id: 'sora-2' }, data: { maxConcurrency: 2 } }).then(() => {}),
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await s3?.destroy();
  });

  it('tasks wait and then succeed; no refund is caused by the outage', async () => {
    const api = await clientOf(t);
    const { batch_id: batchId } = await submitBatch(t, prompts(10, 'Harbour at dawn'));
    // Let the first videos in, then take the store away.
    await expect
      .poll(async () => t.db.videoTask.count({ where: { batchId, status: 'succeeded' } }), {
        timeout: 20_000,
        interval: 50,
      })
      .toBeGreaterThanOrEqual(1);
    await s3.stop();
    const downAt = Date.now();
    let sawStorageError = false;
    while (Date.now() - downAt < OUTAGE_MS) {
      const waiting = await t.db.videoTask.count({
        where: { batchId, status: 'queued', errorCode: 'storage_error' },
      });
      if (waiting > 0) sawStorageError = true;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(sawStorageError).toBe(true);
    expect(await t.db.videoTask.count({ where: { batchId, status: 'failed' } })).toBe(0);
    await s3.start();

    const batch = await waitUntilSettled(t, batchId, { timeoutMs: 60_000 });
    expect(batch).toMatchObject({
      status: 'completed',
      success_count: 10,
      failed_count: 0,
      refunded_credits: 0,
      credits_spent: 100,
      settlement_status: 'settled',
    });
    expect(
      await t.db.creditLedger.count({ where: { refId: batchId, refType: 'batch_refund' } }),
    ).toBe(0);
    const tasks = (await api.listTasks(batchId)).data;
    expect(tasks.some((task) => task.attempts > 1)).toBe(true);
    for (const task of tasks) {
      expect(task).toMatchObject({ status: 'succeeded', video_status: 'stored', error_code: null });
      const { link, body } = await api.downloadVideo(task.task_id);
      expect(link.url).toContain('X-Amz-Signature=');
      expect(sha256(Buffer.from(await new Response(body).arrayBuffer()))).toBe(task.video_sha256);
    }
  }, 120_000);
});

describe('a storage outage that does not end', () => {
  let s3: LocalS3;
  let t: TestApp;

  beforeAll(async () => {
    s3 = await LocalS3.start();
    t = await startTestApp({
      storage: s3.storage(),
      worker: { latencyMs: 10, taskTimeoutMs: 300, maxAttempts: 2, retryBaseMs: 100 },
    });
    await s3.stop();
  });
  afterAll(async () => {
    await t?.close();
    await s3?.destroy();
  });

  it('fails the tasks with storage_error once their attempts are spent, and refunds each', async () => {
    const { batch_id: batchId } = await submitBatch(t, prompts(3, 'Nowhere to keep it'));
    const batch = await waitUntilSettled(t, batchId, { timeoutMs: 30_000 });
    expect(batch).toMatchObject({
      status: 'failed',
      success_count: 0,
      failed_count: 3,
      credits_spent: 0,
      refunded_credits: 30,
      settlement_status: 'refunded',
    });
    const api = await clientOf(t);
    for (const task of (await api.listTasks(batchId)).data) {
      expect(task).toMatchObject({
        status: 'failed',
        error_code: 'storage_error',
        attempts: 2,
        refunded: true,
        video_status: 'none',
      });
      expect(task.error_message).toMatch(
        /could not be kept in Batchreel’s storage \(after 2 attempts\)/,
      );
      // The store's own words (bucket, endpoint) are for the log, not the customer.
      expect(task.error_message).not.toContain('127.0.0.1');
    }
    expect(
      await t.db.creditLedger.count({ where: { refId: batchId, refType: 'batch_refund' } }),
    ).toBe(3);
  });
});
