import { randomUUID } from 'node:crypto';
import { createAccount } from '@batchreel/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/accounts/api-keys';
import { DEMO } from '../src/demo/seed';
import { startTestApp, type TestApp } from './helpers';
import { callerFor, createStaff, expectTrpcError, type Staff } from './support/admin';
import { itemsOf, submitBatch, waitUntilSettled } from './support/scenarios';

// What support and finance read in the admin app after real batches ran through the real worker:
// the docs/product.md §5.7 seed scenario on Demo Corp, and a second account's batch with several failures
// (for the search's filters and pages).

let t: TestApp;
let support: Staff;
let finance: Staff;
let demoAccountId: string;
let otherAccountId: string;
/** The seed scenario: 20 items, item 7 times out. */
let seedBatchId: string;
/** Second Co's batch: 3 refused for content, 2 provider errors, 1 success. */
let otherBatchId: string;

beforeAll(async () => {
  t = await startTestApp({ worker: { latencyMs: 10, taskTimeoutMs: 300, retryBaseMs: 50 } });
  support = await createStaff(t.db, 'support');
  finance = await createStaff(t.db, 'finance');
  demoAccountId = (await t.db.account.findFirstOrThrow({ where: { name: DEMO.accountName } })).id;
  const other = await createAccount(t.db, { name: 'Second Co', credits: 1000 });
  otherAccountId = other.id;
  const key = await createApiKey(t.db, { accountId: other.id, name: 'test', createdBy: 'test' });
  if (!key.ok) throw new Error('no key');

  const items = Array.from({ length: 20 }, (_, i) => `A cat playing piano #${i}`);
  items[7] = 'A slow scene [sim:timeout]';
  seedBatchId = (await submitBatch(t, itemsOf(items, DEMO.model.id))).batch_id;
  const otherItems = itemsOf(
    [
      'Fight scene [sim:content_policy] #1',
      'A sign reading 50%_off [sim:content_policy]',
      'A sign reading 50 off [sim:content_policy]',
      'Broken upstream [sim:provider_error] #1',
      'Broken upstream [sim:provider_error] #2',
      'A calm lake at dawn',
    ],
    DEMO.model.id,
  );
  otherBatchId = (await submitBatch(t, otherItems, { apiKey: key.value.secret })).batch_id;
  await Promise.all([
    waitUntilSettled(t, seedBatchId, { apiKey: DEMO.apiKey }),
    waitUntilSettled(t, otherBatchId, { apiKey: key.value.secret }),
  ]);
}, 60_000);
afterAll(() => t?.close());

describe('batch reads after the seed scenario', () => {
  it('Overview: the figures of docs/product.md §5.7, in the batch and in the list', async () => {
    const caller = callerFor(t, support.user);
    const batch = await caller.batches.get({ batchId: seedBatchId });
    expect(batch).toMatchObject({
      batchId: seedBatchId,
      accountId: demoAccountId,
      accountName: DEMO.accountName,
      status: 'partial',
      settlementStatus: 'refunded',
      totalCount: 20,
      successCount: 19,
      failedCount: 1,
      canceledCount: 0,
      pendingCount: 0,
      costPerVideo: 10,
      requiredCredits: 200,
      frozenCredits: 200,
      creditsSpent: 190,
      refundedCredits: 10,
      netSpentCredits: 190,
      integrityError: null,
    });
    expect(batch.settledAt).toBeInstanceOf(Date);

    const list = await caller.batches.list({ accountId: demoAccountId });
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({
      batchId: seedBatchId,
      status: 'partial',
      totalCount: 20,
      successCount: 19,
      failedCount: 1,
      frozenCredits: 200,
      creditsSpent: 190,
      refundedCredits: 10,
    });
    const all = await caller.batches.list({ limit: 1 });
    const next = await caller.batches.list({ limit: 1, cursor: all.nextCursor });
    expect([...all.items, ...next.items].map((b) => b.batchId).sort()).toEqual(
      [seedBatchId, otherBatchId].sort(),
    );
    expect(next.nextCursor).toBeNull();
    expect((await caller.batches.list({ status: 'completed' })).items).toEqual([]);
    await expectTrpcError(caller.batches.get({ batchId: 'not-a-batch' }), 'NOT_FOUND');
  });

  it('Billing: the upfront and the refund as stored in the ledger', async () => {
    const billing = await callerFor(t, finance.user).batches.billing({ batchId: seedBatchId });
    const failed = await t.db.videoTask.findFirstOrThrow({
      where: { batchId: seedBatchId, status: 'failed' },
    });
    // Totals are positive amounts; the rows keep their signed deltas.
    expect(billing).toMatchObject({
      upfrontCredits: 200,
      refundedCredits: 10,
      netSpentCredits: 190,
      creditsSpent: 190,
      pendingCredits: 0,
      settled: true,
    });
    expect(billing.rows).toHaveLength(2);
    expect(billing.rows.map((r) => [r.refType, r.creditsDelta, r.taskId, r.taskIndex])).toEqual([
      ['batch_upfront', -200, null, null],
      ['batch_refund', 10, failed.id, 7],
    ]);
    // Each row shows its place in the hash chain, as stored.
    for (const row of billing.rows) {
      const stored = await t.db.creditLedger.findUniqueOrThrow({ where: { id: BigInt(row.id) } });
      expect(row.rowHash).toMatch(/^[0-9a-f]{64}$/);
      expect([row.prevHash, row.rowHash]).toEqual([stored.prevHash, stored.rowHash]);
    }
  });

  it('Tasks: the failed task with its error code, and every task in order across pages', async () => {
    const caller = callerFor(t, support.user);
    const failed = await caller.batches.tasks({ batchId: seedBatchId, status: 'failed' });
    expect(failed.items).toHaveLength(1);
    expect(failed.items[0]).toMatchObject({
      batchIndex: 7,
      status: 'failed',
      errorCode: 'timeout',
      attempts: 3,
      videoUrl: null,
      accountId: demoAccountId,
    });
    expect(failed.items[0]?.errorMessage).toMatch(/did not finish/);
    // Its price went back; a succeeded task's did not.
    expect(failed.items[0]?.refunded).toBe(true);
    const done = await caller.batches.tasks({
      batchId: seedBatchId,
      status: 'succeeded',
      limit: 1,
    });
    expect(done.items[0]?.refunded).toBe(false);
    // The link from its refund row: that task only.
    const only = await caller.batches.tasks({
      batchId: seedBatchId,
      taskId: failed.items[0]?.taskId ?? '',
    });
    expect(only.items.map((task) => task.batchIndex)).toEqual([7]);
    expect(failed.nextCursor).toBeNull();

    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await caller.batches.tasks({ batchId: seedBatchId, limit: 8, cursor });
      seen.push(...page.items.map((task) => task.batchIndex));
      for (const task of page.items) {
        if (task.status === 'succeeded') expect(task.videoUrl).toMatch(/^http/);
      }
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await expectTrpcError(
      caller.batches.tasks({ batchId: seedBatchId, cursor: 'bm90LWEtY3Vyc29y' }),
      'BAD_REQUEST',
    );
  });
});

describe('failed-task search', () => {
  const search = (input: Parameters<ReturnType<typeof callerFor>['batches']['searchFailed']>[0]) =>
    callerFor(t, support.user).batches.searchFailed(input);
  const prompts = (page: { items: { prompt: string }[] }) => page.items.map((i) => i.prompt).sort();

  it('finds the timed-out task by text in its prompt, in its error, and by its error code', async () => {
    for (const found of [
      await search({ text: 'slow SCENE' }),
      await search({ text: 'did not finish' }),
      await search({ errorCode: 'timeout' }),
    ]) {
      expect(found.items).toHaveLength(1);
      expect(found.items[0]).toMatchObject({
        batchId: seedBatchId,
        batchIndex: 7,
        errorCode: 'timeout',
        accountName: DEMO.accountName,
      });
      expect(found.nextCursor).toBeNull();
    }
    expect(await callerFor(t, support.user).batches.errorCodes()).toEqual([
      'content_policy',
      'provider_error',
      'timeout',
    ]);
  });

  it('narrows by account, batch, model, error code and time range', async () => {
    expect((await search({})).items).toHaveLength(6);
    expect((await search({ accountId: otherAccountId })).items).toHaveLength(5);
    expect((await search({ batchId: seedBatchId })).items).toHaveLength(1);
    expect((await search({ model: DEMO.model.id })).items).toHaveLength(6);
    expect((await search({ model: 'no-such-model' })).items).toHaveLength(0);
    expect(
      prompts(await search({ accountId: otherAccountId, errorCode: 'content_policy' })),
    ).toEqual([
      'A sign reading 50 off [sim:content_policy]',
      'A sign reading 50%_off [sim:content_policy]',
      'Fight scene [sim:content_policy] #1',
    ]);
    expect(
      prompts(
        await search({ accountId: otherAccountId, errorCode: 'provider_error', text: '] #2' }),
      ),
    ).toEqual(['Broken upstream [sim:provider_error] #2']);
    expect((await search({ accountId: demoAccountId, errorCode: 'content_policy' })).items).toEqual(
      [],
    );

    const finished = (await search({})).items.map((i) => i.finishedAt?.getTime() ?? 0);
    const first = new Date(Math.min(...finished));
    const last = new Date(Math.max(...finished));
    expect((await search({ from: first, to: new Date(last.getTime() + 1) })).items).toHaveLength(6);
    expect((await search({ from: new Date(last.getTime() + 1) })).items).toHaveLength(0);
    expect((await search({ to: first })).items).toHaveLength(0);
  });

  it('takes % and _ in the text literally', async () => {
    expect(prompts(await search({ text: '50%_off' }))).toEqual([
      'A sign reading 50%_off [sim:content_policy]',
    ]);
    expect(prompts(await search({ text: 'reading 50 off' }))).toEqual([
      'A sign reading 50 off [sim:content_policy]',
    ]);
    expect((await search({ text: '50%' })).items).toHaveLength(1);
  });

  it('refuses a text shorter than 3 characters (the trigram index needs 3)', async () => {
    await expect(search({ text: 'ab' })).rejects.toThrow(/at least 3 characters/);
  });

  it('pages newest failure first with a keyset cursor, without gaps or repeats', async () => {
    const everything = (await search({})).items;
    const order = [...everything].sort(
      (a, b) =>
        (b.finishedAt?.getTime() ?? 0) - (a.finishedAt?.getTime() ?? 0) ||
        b.taskId.localeCompare(a.taskId),
    );
    expect(everything.map((i) => i.taskId)).toEqual(order.map((i) => i.taskId));

    for (const filter of [{}, { text: 'sim:' }, { accountId: otherAccountId }]) {
      const total = (await search(filter)).items.length;
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await search({ ...filter, limit: 2, cursor });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((i) => i.taskId));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toHaveLength(total);
      expect(new Set(seen).size).toBe(total);
    }
    await expectTrpcError(search({ cursor: 'garbage' }), 'BAD_REQUEST');
  });
});

describe('the books after the batches', () => {
  it('integrity finds no violation', async () => {
    const report = await callerFor(t, finance.user).ledger.integrity();
    expect(report.violations).toEqual([]);
    expect(report.batches).toBe(2);
    expect(report.accounts).toBeGreaterThanOrEqual(2);
    expect(report.ledgerRows).toBe(await t.db.creditLedger.count());
  });

  it('ledger.list sums match the balances, per account and overall, across pages', async () => {
    const caller = callerFor(t, finance.user);
    const accounts = await t.db.account.findMany();
    for (const account of accounts) {
      const listed = await caller.ledger.list({ accountId: account.id });
      expect(listed.sum).toBe(account.balance);
    }
    expect((await caller.ledger.list({ accountId: demoAccountId })).sum).toBe(5000 - 190);
    const total = accounts.reduce((sum, a) => sum + a.balance, 0);
    expect((await caller.ledger.list({})).sum).toBe(total);

    // Every row exactly once over the pages, and their deltas add up to the same figure.
    let cursor: string | null = null;
    let sum = 0;
    const ids = new Set<string>();
    do {
      const page = await caller.ledger.list({ limit: 3, cursor });
      for (const row of page.items) {
        ids.add(row.id);
        sum += row.creditsDelta;
      }
      cursor = page.nextCursor;
    } while (cursor);
    expect(ids.size).toBe(await t.db.creditLedger.count());
    expect(sum).toBe(total);

    const refunds = await caller.ledger.list({ refType: 'batch_refund' });
    expect(refunds.sum).toBe(10 + 5 * 10);
  });

  it("the dashboard shows the day's figures", async () => {
    const caller = callerFor(t, finance.user);
    const upfront = await t.db.creditLedger.findFirstOrThrow({
      where: { refId: seedBatchId, refType: 'batch_upfront' },
    });
    const day = upfront.createdAt.toISOString().slice(0, 10);

    const demo = await caller.ledger.dashboard({ days: 7, accountId: demoAccountId });
    expect(demo.days).toHaveLength(7);
    expect(demo.days.find((d) => d.day === day)).toEqual({
      day,
      frozen: 200,
      refunded: 10,
      spent: 190,
      succeeded: 19,
      failed: 1,
    });
    expect(demo.totals).toEqual({
      succeeded: 19,
      failed: 1,
      canceled: 0,
      spent: 190,
      refunded: 10,
    });
    expect(demo.failureReasons).toEqual([{ code: 'timeout', count: 1 }]);

    const everyone = await caller.ledger.dashboard({});
    expect(everyone.days).toHaveLength(30);
    expect(everyone.totals).toEqual({
      succeeded: 20,
      failed: 6,
      canceled: 0,
      spent: 200,
      refunded: 60,
    });
    expect(everyone.failureReasons).toEqual([
      { code: 'content_policy', count: 3 },
      { code: 'provider_error', count: 2 },
      { code: 'timeout', count: 1 },
    ]);
  });

  it('the dashboard covers exactly the last N UTC days, today included', async () => {
    // A top-up just inside "7 × 24 hours ago" but on the day before the 7-day series starts.
    await t.db.creditLedger.create({
      data: {
        accountId: otherAccountId,
        refType: 'topup',
        refId: randomUUID(),
        creditsDelta: 5,
        balanceAfter: 0,
        memo: 'Late invoice',
        actor: 'test',
        createdAt: new Date(Date.now() - 7 * 86_400_000 + 60_000),
      },
    });
    const week = await callerFor(t, finance.user).ledger.dashboard({ days: 7 });
    const today = new Date();
    const series = Array.from({ length: 7 }, (_, i) =>
      new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - 6 + i))
        .toISOString()
        .slice(0, 10),
    );
    expect(week.days.map((d) => d.day)).toEqual(series);
  });
});
