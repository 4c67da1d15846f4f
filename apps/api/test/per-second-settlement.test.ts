// Acceptance (issue 15): a batch mixing lengths and sizes quotes exactly, is refused with 402 one
// credit short and admitted with exactly enough, and — run by the real worker on the simulator —
// settles with each failed task refunded its own price.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers';
import { accountWithKey, createPerSecondModel } from './support/catalogue';
import { clientOf, refusal, waitUntilSettled } from './support/scenarios';

let t: TestApp;
const VEO = 'veo-sim';

beforeAll(async () => {
  t = await startTestApp({
    worker: {
      latencyMs: 10,
      taskTimeoutMs: 300,
      maxAttempts: 2,
      retryBaseMs: 50,
      // The worker reads the catalogue when it starts.
      beforeStart: async (db) => {
        await createPerSecondModel(db, { id: VEO });
      },
    },
  });
});
afterAll(() => t?.close());

// 3 credits per second at 1280x720, 5 at 1920x1080; sora-2 is 10 per video.
const ITEMS = [
  { prompt: 'A harbour at dawn', seconds: 8, size: '1280x720', price: 24, ends: 'succeeded' },
  {
    prompt: 'A riot [sim:content_policy]',
    seconds: 6,
    size: '1920x1080',
    price: 30,
    ends: 'content_policy',
  },
  { prompt: 'A market at noon', seconds: 4, size: '1920x1080', price: 20, ends: 'succeeded' },
  {
    prompt: 'A storm [sim:provider_error]',
    seconds: 8,
    size: '1920x1080',
    price: 40,
    ends: 'provider_error',
  },
  {
    prompt: 'A slow sunrise [sim:timeout]',
    seconds: 4,
    size: '1280x720',
    price: 12,
    ends: 'timeout',
  },
  { prompt: 'A tram [sim:flaky]', seconds: 6, size: '1280x720', price: 18, ends: 'succeeded' },
  { prompt: 'A cat playing piano', model: 'sora-2', price: 10, ends: 'succeeded' },
  { prompt: 'A brawl [sim:content_policy]', model: 'sora-2', price: 10, ends: 'content_policy' },
] as const;
const REQUIRED = ITEMS.reduce((sum, item) => sum + item.price, 0); // 164
const SPENT = ITEMS.filter((i) => i.ends === 'succeeded').reduce((sum, i) => sum + i.price, 0);

const request = () => ({
  items: ITEMS.map((item) =>
    'model' in item
      ? { prompt: item.prompt, model: item.model }
      : { prompt: item.prompt, model: VEO, seconds: item.seconds, size: item.size },
  ),
});

describe('a per-second batch from quote to settlement', () => {
  it('quotes, 402s to the credit, and settles with each failure refunded its own price', async () => {
    expect(REQUIRED).toBe(164);
    const short = await accountWithKey(t.db, REQUIRED - 1);
    const shortClient = await clientOf(t, { apiKey: short.key });
    expect(await shortClient.quote(request())).toMatchObject({
      required_credits: REQUIRED,
      would_admit: false,
      shortfall_credits: 1,
    });
    const refused = await refusal(shortClient.createBatch(request()));
    expect(refused.status).toBe(402);
    expect(refused.body).toMatchObject({
      required_credits: REQUIRED,
      available_credits: REQUIRED - 1,
    });
    expect(await t.db.batchJob.count({ where: { accountId: short.account.id } })).toBe(0);

    const exact = await accountWithKey(t.db, REQUIRED);
    const client = await clientOf(t, { apiKey: exact.key });
    const { batch } = await client.createBatch(request());
    expect(client.last.status).toBe(202);
    expect(batch).toMatchObject({ required_credits: REQUIRED, cost_per_video: null });

    const settled = await waitUntilSettled(t, batch.batch_id, { apiKey: exact.key });
    expect(settled).toMatchObject({
      status: 'partial',
      success_count: 4,
      failed_count: 4,
      frozen_credits: REQUIRED,
      credits_spent: SPENT,
      refunded_credits: REQUIRED - SPENT,
      net_spent_credits: SPENT,
      settlement_status: 'refunded',
    });

    const tasks = await t.db.videoTask.findMany({
      where: { batchId: batch.batch_id },
      orderBy: { batchIndex: 'asc' },
    });
    expect(tasks.map((task) => task.costCredits)).toEqual(ITEMS.map((item) => item.price));
    expect(
      tasks.map((task) => (task.status === 'succeeded' ? 'succeeded' : task.errorCode)),
    ).toEqual(ITEMS.map((item) => item.ends));

    // One pre-deduction of the quote, then one refund per failed task of exactly its price.
    const ledger = await t.db.creditLedger.findMany({
      where: { refId: batch.batch_id },
      orderBy: { id: 'asc' },
    });
    expect(
      ledger.filter((row) => row.refType === 'batch_upfront').map((r) => r.creditsDelta),
    ).toEqual([-REQUIRED]);
    const refunds = new Map(
      ledger
        .filter((row) => row.refType === 'batch_refund')
        .map((row) => [row.taskId, row.creditsDelta]),
    );
    const failed = tasks.filter((task) => task.status === 'failed');
    expect(refunds.size).toBe(failed.length);
    for (const task of failed) expect(refunds.get(task.id), task.prompt).toBe(task.costCredits);

    expect(await client.balance()).toMatchObject({
      balance: REQUIRED - SPENT,
      reserved_credits: 0,
      available_credits: REQUIRED - SPENT,
    });
  }, 60_000);
});
