import { checkAccountLedger, checkBatchLedger } from '@batchreel/billing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers';
import {
  clientOf,
  DEMO_KEY,
  prompts,
  refusal,
  submitBatch,
  type TestClient,
  waitUntilSettled,
} from './support/scenarios';

let t: TestApp;
let api: TestClient;
beforeAll(async () => {
  t = await startTestApp({ worker: { latencyMs: 10, taskTimeoutMs: 300, retryBaseMs: 50 } });
  api = await clientOf(t);
});
afterAll(() => t?.close());

const settled = (batchId: string) => waitUntilSettled(t, batchId);

async function ledgerOf(batchId: string) {
  return t.db.creditLedger.findMany({ where: { refId: batchId }, orderBy: { id: 'asc' } });
}

/** Every docs/product.md §5 invariant over this batch and its account, through packages/billing. */
async function expectBooksBalance(batchId: string) {
  const batch = await t.db.batchJob.findUniqueOrThrow({ where: { id: batchId } });
  const tasks = await t.db.videoTask.findMany({
    where: { batchId },
    select: { id: true, status: true, costCredits: true },
  });
  const rows = (await ledgerOf(batchId)).map((r) => ({ ...r, id: r.id.toString() }));
  expect(checkBatchLedger(batch, tasks, rows)).toEqual([]);
  const account = await t.db.account.findUniqueOrThrow({ where: { id: batch.accountId } });
  const accountRows = (
    await t.db.creditLedger.findMany({ where: { accountId: account.id }, orderBy: { id: 'asc' } })
  ).map((r) => ({ ...r, id: r.id.toString() }));
  expect(checkAccountLedger(account, accountRows)).toEqual([]);
}

describe('execution and settlement', () => {
  it('settles the docs/product.md §5.7 seed scenario exactly: 20 videos, one timeout', async () => {
    const before = await api.balance();
    const items = prompts(20);
    items[7] = 'A slow scene [sim:timeout]';
    const { batch_id: batchId } = await submitBatch(t, items);
    const batch = await settled(batchId);

    expect(batch).toMatchObject({
      status: 'partial',
      success_count: 19,
      failed_count: 1,
      canceled_count: 0,
      credits_spent: 190,
      frozen_credits: 200,
      refunded_credits: 10,
      net_spent_credits: 190,
      settlement_status: 'refunded',
    });
    expect((await ledgerOf(batchId)).map((row) => [row.refType, row.creditsDelta])).toEqual([
      ['batch_upfront', -200],
      ['batch_refund', 10],
    ]);
    const tasks = await api.listTasks(batchId, { status: 'failed' });
    expect(tasks.data).toHaveLength(1);
    expect(tasks.data[0]).toMatchObject({
      batch_index: 7,
      status: 'failed',
      error_code: 'timeout',
      attempts: 3,
    });
    // The message starts with the word the failure is known by (docs/product.md §5.7: "fails with timeout").
    expect(tasks.data[0]?.error_message).toBe(
      'timeout: the provider did not finish within 0.3 s (after 3 attempts)',
    );
    const balance = await api.balance();
    expect(balance.balance).toBe(before.balance - 190);
    await expectBooksBalance(batchId);

    // A succeeded task's video_url (with the API key) leads to something a browser can show:
    // Batchreel's stored copy, through a signed download.
    const done = await api.listTasks(batchId, { status: 'succeeded', limit: 1 });
    expect(done.data[0]).toMatchObject({
      video_status: 'stored',
      video_content_type: 'image/svg+xml',
    });
    const video = await fetch(done.data[0]?.video_url ?? '', {
      headers: { 'x-api-key': DEMO_KEY },
    });
    expect(video.status).toBe(200);
    expect(video.redirected).toBe(true);
    expect(video.headers.get('content-type')).toMatch(/image\/svg\+xml/);
    expect(await video.text()).toContain('A cat playing piano #0');
  });

  it('charges everything and refunds nothing when every video succeeds', async () => {
    const { batch_id: batchId } = await submitBatch(t, prompts(5));
    expect(await settled(batchId)).toMatchObject({
      status: 'completed',
      settlement_status: 'settled',
      success_count: 5,
      credits_spent: 50,
      refunded_credits: 0,
    });
    expect((await ledgerOf(batchId)).map((row) => row.refType)).toEqual(['batch_upfront']);
    await expectBooksBalance(batchId);
  });

  it('refunds everything when every video fails, without retrying permanent refusals', async () => {
    const { batch_id: batchId } = await submitBatch(
      t,
      prompts(4, 'Forbidden [sim:content_policy]'),
    );
    expect(await settled(batchId)).toMatchObject({
      status: 'failed',
      settlement_status: 'refunded',
      failed_count: 4,
      credits_spent: 0,
      refunded_credits: 40,
      net_spent_credits: 0,
    });
    const tasks = await api.listTasks(batchId);
    expect(tasks.data.map((task) => [task.error_code, task.attempts])).toEqual(
      Array.from({ length: 4 }, () => ['content_policy', 1]),
    );
    expect((await ledgerOf(batchId)).reduce((sum, row) => sum + row.creditsDelta, 0)).toBe(0);
    await expectBooksBalance(batchId);
  });

  it('retries transient failures: [sim:flaky] succeeds on its second attempt and is charged', async () => {
    const { batch_id: batchId } = await submitBatch(t, [
      'Wobbly connection [sim:flaky]',
      'Steady shot',
    ]);
    expect(await settled(batchId)).toMatchObject({
      status: 'completed',
      credits_spent: 20,
    });
    const tasks = await api.listTasks(batchId);
    expect(tasks.data.map((task) => [task.status, task.attempts, task.error_code])).toEqual([
      ['succeeded', 2, null],
      ['succeeded', 1, null],
    ]);
    expect((await ledgerOf(batchId)).map((row) => row.refType)).toEqual(['batch_upfront']);
  });

  it('gives up on a provider that keeps failing after the allowed attempts, and refunds', async () => {
    const { batch_id: batchId } = await submitBatch(t, ['Broken upstream [sim:provider_error]']);
    expect(await settled(batchId)).toMatchObject({
      status: 'failed',
      refunded_credits: 10,
    });
    const tasks = await api.listTasks(batchId);
    expect(tasks.data[0]).toMatchObject({ error_code: 'provider_error', attempts: 3 });
    expect(tasks.data[0]?.error_message).toMatch(/502.*after 3 attempts/);
    await expectBooksBalance(batchId);
  });
});

describe('cancel', () => {
  it('cancels a running batch: waiting tasks are refunded, running ones finish, the batch settles', async () => {
    const slow = await startTestApp({ worker: { latencyMs: 250, taskBatchSize: 4 } });
    try {
      const call = await clientOf(slow);
      const batchId = (await submitBatch(slow, prompts(40))).batch_id;
      // Wait until the batch is visibly under way, then cancel.
      for (let i = 0; i < 100; i++) {
        const batch = await call.getBatch(batchId);
        if (batch.success_count > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const canceled = await call.cancelBatch(batchId);
      expect(call.last.status).toBe(200);
      expect(canceled.canceled_count).toBeGreaterThan(0);

      const batch = await waitUntilSettled(slow, batchId, { timeoutMs: 20_000 });
      expect(batch.status).toBe('canceled');
      expect(batch.settlement_status).toBe('refunded');
      expect(batch.success_count + batch.failed_count + batch.canceled_count).toBe(40);
      expect(batch.success_count).toBeGreaterThan(0);
      expect(batch.refunded_credits).toBe(10 * (batch.failed_count + batch.canceled_count));
      expect(batch.credits_spent).toBe(10 * batch.success_count);
      const rows = await slow.db.creditLedger.findMany({ where: { refId: batchId } });
      expect(rows.filter((r) => r.refType === 'batch_refund')).toHaveLength(
        batch.canceled_count + batch.failed_count,
      );
      const canceledTasks = await slow.db.videoTask.findMany({
        where: { batchId, status: 'canceled' },
      });
      expect(canceledTasks.every((task) => task.errorCode === 'canceled')).toBe(true);

      // A settled batch cannot be canceled again.
      const again = await refusal(call.cancelBatch(batchId));
      expect(again.status).toBe(409);
      expect(again.code).toBe('not_cancellable');
    } finally {
      await slow.close();
    }
  });

  it('does not retry a task whose batch was canceled while its attempt ran', async () => {
    const slow = await startTestApp({ worker: { latencyMs: 400 } });
    try {
      const batchId = (await submitBatch(slow, ['Shaky [sim:flaky]'])).batch_id;
      for (let i = 0; i < 100; i++) {
        if ((await slow.db.videoTask.count({ where: { batchId, status: 'running' } })) > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const call = await clientOf(slow);
      const canceled = await call.cancelBatch(batchId);
      expect(call.last.status).toBe(200);
      // The running attempt is left to finish: nothing was canceled by the request itself.
      expect(canceled.canceled_count).toBe(0);

      let batch = await slow.db.batchJob.findUniqueOrThrow({ where: { id: batchId } });
      for (let i = 0; i < 100 && batch.settlementStatus === 'pending'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        batch = await slow.db.batchJob.findUniqueOrThrow({ where: { id: batchId } });
      }
      expect(batch).toMatchObject({
        status: 'canceled',
        canceledCount: 1,
        refundedCredits: 10,
        creditsSpent: 0,
      });
      const task = await slow.db.videoTask.findFirstOrThrow({ where: { batchId } });
      expect(task).toMatchObject({ status: 'canceled', attempts: 1, errorCode: 'canceled' });
    } finally {
      await slow.close();
    }
  });

  it('cancels a queued batch before it starts: nothing was charged, nothing is refunded', async () => {
    const idle = await startTestApp(); // no worker: the batch stays queued
    try {
      const admitted = await submitBatch(idle, prompts(3));
      const call = await clientOf(idle);
      const canceled = await call.cancelBatch(admitted.batch_id);
      expect(call.last.status).toBe(200);
      expect(canceled).toMatchObject({
        status: 'canceled',
        settlement_status: 'settled',
        canceled_count: 3,
        frozen_credits: 0,
        refunded_credits: 0,
        net_spent_credits: 0,
      });
      expect(await idle.db.creditLedger.count({ where: { refId: admitted.batch_id } })).toBe(0);
      expect(await call.balance()).toMatchObject({
        balance: 5000,
        reserved_credits: 0,
        available_credits: 5000,
      });
    } finally {
      await idle.close();
    }
  });
});
