import { join } from 'node:path';
import type { Batch } from '@batchreel/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/staff/passwords';
import { startTestApp, type TestApp } from '../helpers';
import { clientOf, submitBatch } from '../support/scenarios';
import { adminAssetsDir, launchChromium, SCREENSHOT_DIR } from './support';

const PASSWORD = 'correct horse battery staple';
const FINANCE = 'finance@batchreel.test';
const PRICE = 10;
const TOTAL = 24;
// Refused for content at once (refunded), wherever they fall in the run.
const REFUSED = new Set([0, 5, 11]);

let t: TestApp;
let browser: Browser;

beforeAll(async () => {
  t = await startTestApp({
    // Two videos at a time, a second and a half each: the batch runs for well over ten seconds.
    worker: {
      latencyMs: 1500,
      taskTimeoutMs: 10_000,
      beforeStart: async (db) => {
        await db.model.update({ where: { id: 'sora-2' }, data: { maxConcurrency: 2 } });
      },
    },
    adminAssetsDir: adminAssetsDir(),
  });
  await t.db.adminUser.create({
    data: {
      email: FINANCE,
      displayName: 'Fiona Finance',
      role: 'finance',
      passwordHash: await hashPassword(PASSWORD),
    },
  });
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function signIn(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${t.baseUrl}/admin/login`);
  await page.getByLabel('Email').fill(FINANCE);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin\/batches/);
  return page;
}

/** Every figure of the Overview tab, read in one go so that they come from one render. */
type Overview = Record<
  | 'status'
  | 'total'
  | 'success'
  | 'failed'
  | 'frozen'
  | 'spent'
  | 'refunded'
  | 'stillFrozen'
  | 'net',
  number
> &
  Record<
    | 'spentLabel'
    | 'refundedLabel'
    | 'stillFrozenHint'
    | 'equation'
    | 'netLabel'
    | 'netDetail'
    | 'statusText',
    string
  >;

// A string, not a function: the API's type-checking knows no DOM.
const READ_OVERVIEW = `(() => {
  const text = (id) => document.querySelector('[data-testid="' + id + '"]')?.innerText ?? '';
  const number = (id) => Number(text(id).replace(/,/g, '')) ;
  const net = document.querySelector('[data-testid="overview-net-spent"]');
  return {
    statusText: text('overview-status'),
    total: number('overview-total'), success: number('overview-success'),
    failed: number('overview-failed'), frozen: number('overview-frozen'),
    spent: number('overview-spent'), refunded: number('overview-refunded'),
    stillFrozen: number('overview-still-frozen'), net: number('overview-net-spent'),
    spentLabel: text('overview-spent-label'), refundedLabel: text('overview-refunded-label'),
    stillFrozenHint: text('overview-still-frozen-hint'), equation: text('overview-equation'),
    netLabel: net?.closest('tr')?.querySelector('th')?.innerText ?? '',
    netDetail: text('overview-net-detail'),
  };
})()`;

/** The Billing tab's totals, their labels and the number of ledger rows it lists. */
type Billing = Record<'upfront' | 'refunds' | 'net' | 'rows', number> &
  Record<'refundsLabel' | 'netLabel' | 'netHint', string>;

const READ_BILLING = `(() => {
  const text = (id) => document.querySelector('[data-testid="' + id + '"]')?.innerText ?? '';
  const number = (id) => Number(text(id).replace(/,/g, ''));
  return {
    upfront: number('billing-upfront-total'), refunds: number('billing-refund-total'),
    net: number('billing-net-spent'), refundsLabel: text('billing-refund-total-label'),
    netLabel: text('billing-net-spent-label'), netHint: text('billing-net-spent-hint'),
    rows: document.querySelectorAll('[data-testid="billing-ledger-row"]').length,
  };
})()`;

/** The Overview's figures add up, whatever the moment (docs/product.md §5: frozen = spent + refunded once settled). */
function expectOverviewAddsUp(o: Overview) {
  expect(o.total).toBe(TOTAL);
  expect(o.frozen).toBe(TOTAL * PRICE);
  expect(o.spent).toBe(o.success * PRICE);
  expect(o.refunded).toBe(o.failed * PRICE);
  expect(o.frozen).toBe(o.spent + o.refunded + o.stillFrozen);
  expect(o.stillFrozen).toBe((o.total - o.success - o.failed) * PRICE);
  expect(o.net).toBe(o.frozen - o.refunded);
  expect(o.net).toBe(o.spent + o.stillFrozen);
  expect(o.equation).toBe(
    `Frozen ${o.frozen} = spent ${o.spent} + refunded ${o.refunded} + still frozen ${o.stillFrozen}`,
  );
}

/** A REST read's figures add up the same way, and name the same amounts. */
function expectRestAddsUp(b: Batch) {
  expect(b.frozen_credits).toBe(b.credits_spent + b.refunded_credits + b.pending_credits);
  expect(b.credits_spent).toBe(b.success_count * PRICE);
  expect(b.refunded_credits).toBe((b.failed_count + b.canceled_count) * PRICE);
  expect(b.net_spent_credits).toBe(b.frozen_credits - b.refunded_credits);
  if (b.frozen_credits > 0) expect(b.pending_credits).toBe(b.pending_count * PRICE);
}

describe('a batch opened while it runs', () => {
  it('shows figures that add up and say what they are, running and then settled', async () => {
    const page = await signIn();
    const items = Array.from({ length: TOTAL }, (_, i) => ({
      prompt: REFUSED.has(i) ? `Not allowed #${i} [sim:content_policy]` : `Tea garden #${i}`,
      model: 'sora-2',
    }));
    const { batch_id: batchId } = await submitBatch(t, items);
    const api = await clientOf(t);

    // The REST read while it runs: every answer adds up, and the task read tells the refunded ones.
    let running: Batch | undefined;
    await expect
      .poll(
        async () => {
          const batch = await api.getBatch(batchId);
          running = batch;
          expectRestAddsUp(batch);
          return batch.success_count > 0 && batch.failed_count > 0 && batch.pending_count > 2;
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe(true);
    expect(running?.settlement_status).toBe('pending');
    expect(running?.net_spent_credits).toBeGreaterThan(running?.credits_spent ?? Number.NaN);
    const tasks = await api.listTasks(batchId, { limit: 100 });
    for (const task of tasks.data) {
      expect(task.refunded).toBe(task.status === 'failed' || task.status === 'canceled');
    }

    // The Overview, caught mid-run: done, refunded and waiting tasks at once.
    await page.goto(`${t.baseUrl}/admin/batches/${batchId}`);
    let overview = {} as Overview;
    await expect
      .poll(
        async () => {
          overview = (await page.evaluate(READ_OVERVIEW)) as Overview;
          // Early enough that Billing and Tasks are still seen mid-run too.
          return overview.success > 0 && overview.failed > 0 && overview.stillFrozen >= 80;
        },
        { timeout: 30_000, interval: 100 },
      )
      .toBe(true);
    expectOverviewAddsUp(overview);
    const unfinished = overview.total - overview.success - overview.failed;
    expect(overview.statusText).toBe('processing');
    expect(overview.spentLabel).toBe('Credits Spent (so far)');
    expect(overview.refundedLabel).toBe('Refunded (so far)');
    expect(overview.stillFrozenHint).toBe(
      `for ${unfinished} unfinished task${unfinished === 1 ? '' : 's'}`,
    );
    expect(overview.netLabel).toBe('Net charged so far');
    expect(overview.netDetail).toBe(
      `${overview.spent} spent + ${overview.stillFrozen} still frozen; the net spent is final at settlement`,
    );
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'batch-running.png'), fullPage: true });

    // Billing, mid-run: the ledger's totals, with what the net still holds.
    await page.getByRole('tab', { name: 'Billing' }).click();
    let billing = {} as Billing;
    await expect
      .poll(
        async () => {
          billing = (await page.evaluate(READ_BILLING)) as Billing;
          return billing.rows > 1 && billing.netLabel !== '';
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    expect(billing.netLabel).toBe('Net Charged So Far');
    expect(billing.refundsLabel).toBe('Refund Total (so far)');
    expect(billing.upfront).toBe(TOTAL * PRICE);
    expect(billing.net).toBe(billing.upfront - billing.refunds);
    // Its hint splits the net into spent and still frozen, and they add up to it.
    const [spent, pending] = (
      /^upfront minus refunds: (\d+) spent \+ (\d+) still frozen$/.exec(billing.netHint) ?? []
    )
      .slice(1)
      .map(Number);
    expect(pending).toBeGreaterThan(0);
    expect((spent ?? Number.NaN) + (pending ?? Number.NaN)).toBe(billing.net);
    expect(billing.rows).toBe(1 + billing.refunds / PRICE);

    // Tasks, mid-run: a refused task shows its price went back; a succeeded one does not.
    await page.getByRole('tab', { name: 'Tasks' }).click();
    const refusedRow = page.getByTestId('task-row').filter({ hasText: 'Not allowed #0' });
    await expect
      .poll(() => refusedRow.getByTestId('task-cost').innerText(), { timeout: 20_000 })
      .toBe('10 · refunded');
    const succeededRow = page
      .getByTestId('task-row')
      .filter({ hasText: 'succeeded' })
      .filter({ hasText: 'Tea garden' })
      .first();
    expect(await succeededRow.getByTestId('task-cost').innerText()).toBe('10');

    // Settled: the same screens, the settled figures under their plain names.
    await expect
      .poll(async () => (await api.getBatch(batchId)).settlement_status, {
        timeout: 60_000,
        interval: 250,
      })
      .toBe('refunded');
    const settled = await api.getBatch(batchId);
    expectRestAddsUp(settled);
    expect(settled).toMatchObject({
      status: 'partial',
      success_count: TOTAL - REFUSED.size,
      failed_count: REFUSED.size,
      frozen_credits: TOTAL * PRICE,
      credits_spent: (TOTAL - REFUSED.size) * PRICE,
      refunded_credits: REFUSED.size * PRICE,
      pending_credits: 0,
      net_spent_credits: (TOTAL - REFUSED.size) * PRICE,
    });

    await page.goto(`${t.baseUrl}/admin/batches/${batchId}`);
    await expect.poll(() => page.getByTestId('overview-status').innerText()).toBe('partial');
    overview = (await page.evaluate(READ_OVERVIEW)) as Overview;
    expectOverviewAddsUp(overview);
    expect(overview).toMatchObject({
      success: TOTAL - REFUSED.size,
      failed: REFUSED.size,
      spent: settled.credits_spent,
      refunded: settled.refunded_credits,
      stillFrozen: 0,
      net: settled.credits_spent,
      spentLabel: 'Credits Spent',
      refundedLabel: 'Refunded',
      stillFrozenHint: 'settled: nothing held',
      netLabel: 'Net spent',
      netDetail: '',
    });

    await page.getByRole('tab', { name: 'Billing' }).click();
    await expect
      .poll(() => page.getByTestId('billing-net-spent-label').innerText())
      .toBe('Net Spent');
    billing = (await page.evaluate(READ_BILLING)) as Billing;
    expect(billing).toMatchObject({
      upfront: TOTAL * PRICE,
      refunds: REFUSED.size * PRICE,
      net: settled.credits_spent,
      refundsLabel: 'Refund Total',
      netHint: 'upfront minus refunds = credits spent',
      rows: 1 + REFUSED.size,
    });
    await page.context().close();
  }, 180_000);
});
