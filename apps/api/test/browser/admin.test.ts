// The admin app in a real browser (Debian's Chromium driven by playwright-core): what finance
// and support do with the docs/product.md §5.7 seed scenario. Also takes the screenshots in docs/.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/staff/passwords';
import { startTestApp, type TestApp } from '../helpers';
import { prompts, submitBatch, waitUntilSettled } from '../support/scenarios';
import { eventually, startWebhookReceiver } from '../support/webhook-receiver';
import { adminAssetsDir, launchChromium, SCREENSHOT_DIR } from './support';

const PASSWORD = 'correct horse battery staple';
const FINANCE = 'finance@batchreel.test';
const SUPPORT = 'support@batchreel.test';

let t: TestApp;
let browser: Browser;
let batchId: string;
let accountId: string;

beforeAll(async () => {
  t = await startTestApp({
    worker: { latencyMs: 10, taskTimeoutMs: 300 },
    adminAssetsDir: adminAssetsDir(),
  });
  const passwordHash = await hashPassword(PASSWORD);
  await t.db.adminUser.createMany({
    data: [
      { email: FINANCE, displayName: 'Fiona Finance', role: 'finance', passwordHash },
      { email: SUPPORT, displayName: 'Sam Support', role: 'support', passwordHash },
    ],
  });
  // The seed scenario: 20 videos, one of which times out.
  const items = Array.from({ length: 20 }, (_, i) => ({
    prompt: i === 7 ? 'A slow sunrise over the Bund [sim:timeout]' : `A lighthouse at dusk #${i}`,
    model: 'sora-2',
  }));
  batchId = (await submitBatch(t, items)).batch_id;
  await waitUntilSettled(t, batchId);
  accountId = (await t.db.batchJob.findUniqueOrThrow({ where: { id: batchId } })).accountId;
  browser = await launchChromium();
  await mkdir(SCREENSHOT_DIR, { recursive: true });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function signIn(email: string, locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale });
  const page = await context.newPage();
  await page.goto(`${t.baseUrl}/admin/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin\/batches/);
  return page;
}

const text = (page: Page, testId: string) => page.getByTestId(testId).innerText();
const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });

describe('admin app in Chromium', () => {
  it('finance reads the seed batch: Overview, Billing and Tasks', async () => {
    const page = await signIn(FINANCE);
    await expect.poll(() => page.getByTestId('batch-row').count()).toBe(1);
    await shot(page, 'batches');

    await page.goto(`${t.baseUrl}/admin/batches/${batchId}`);
    await expect.poll(() => text(page, 'overview-total')).toBe('20');
    expect(await text(page, 'overview-success')).toBe('19');
    expect(await text(page, 'overview-failed')).toBe('1');
    expect(await text(page, 'overview-frozen')).toBe('200');
    expect(await text(page, 'overview-spent')).toBe('190');
    expect(await text(page, 'overview-refunded')).toBe('10');
    await shot(page, 'batch-overview');

    await page.getByRole('tab', { name: 'Billing' }).click();
    await expect.poll(() => text(page, 'billing-upfront-total')).toBe('200');
    expect(await text(page, 'billing-refund-total')).toBe('10');
    expect(await text(page, 'billing-net-spent')).toBe('190');
    await expect.poll(() => page.getByTestId('billing-ledger-row').count()).toBe(2);
    expect(page.url()).toContain('tab=billing'); // a shareable link to the tab
    await shot(page, 'batch-billing');

    await page.getByRole('tab', { name: 'Tasks' }).click();
    await expect.poll(() => page.getByTestId('task-row').count()).toBe(20);
    const failed = page.getByTestId('task-row').filter({ hasText: '[sim:timeout]' });
    await expect.poll(() => failed.count()).toBe(1);
    expect(await failed.innerText()).toMatch(/timeout/);
    await shot(page, 'batch-tasks');
    await page.context().close();
  });

  it("finance's CSV export of the account's ledger sums to its balance", async () => {
    const page = await signIn(FINANCE);
    await page.goto(`${t.baseUrl}/admin/ledger?accountId=${accountId}`);
    await expect.poll(() => page.getByTestId('ledger-row').count()).toBe(3);
    await shot(page, 'ledger');
    const href = await page.getByTestId('export-csv').getAttribute('href');
    expect(href).toContain('/admin/export/ledger.csv');
    const response = await page.request.get(new URL(href ?? '', t.baseUrl).toString());
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toMatch(/^text\/csv/);
    const rows = parse(await response.text(), { columns: true }) as {
      credits_delta: string;
      account_id: string;
    }[];
    expect(rows.length).toBe(3); // topup +5000, batch_upfront -200, batch_refund +10
    expect(new Set(rows.map((r) => r.account_id))).toEqual(new Set([accountId]));
    const sum = rows.reduce((total, r) => total + Number(r.credits_delta), 0);
    const account = await t.db.account.findUniqueOrThrow({ where: { id: accountId } });
    expect(sum).toBe(account.balance);
    expect(sum).toBe(4810);
    await page.context().close();
  });

  it('support finds the failed task by search and cannot top up (UI and server)', async () => {
    const page = await signIn(SUPPORT);
    await page.goto(`${t.baseUrl}/admin/failed-tasks`);
    await page.getByTestId('failed-search-text').fill('sunrise over the Bund');
    await expect.poll(() => page.getByTestId('failed-task-row').count()).toBe(1);
    expect(await page.getByTestId('failed-task-row').innerText()).toMatch(/timeout/);
    await shot(page, 'failed-tasks');

    await page.goto(`${t.baseUrl}/admin/accounts`);
    await expect.poll(() => page.getByText('Demo Corp').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('topup-button').count()).toBe(0);

    // Straight to the server with support's own session: refused, nothing written.
    const before = await t.db.creditLedger.count();
    const answer = await page.evaluate(async (id) => {
      const response = await fetch('/trpc/accounts.topUp', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-batchreel-admin': '1' },
        body: JSON.stringify({ json: { accountId: id, credits: 1000, reason: 'sneaky' } }),
      });
      return { status: response.status, body: await response.text() };
    }, accountId);
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('FORBIDDEN');
    expect(await t.db.creditLedger.count()).toBe(before);
    await page.context().close();
  });

  it('renders the batch page in Simplified Chinese', async () => {
    const page = await signIn(FINANCE);
    await page.goto(`${t.baseUrl}/admin/batches/${batchId}`);
    await page.getByTestId('language-switch').getByText('中文').click();
    await expect.poll(() => page.getByRole('tab', { name: '概览' }).count()).toBe(1);
    expect(await page.getByRole('tab', { name: '账单' }).count()).toBe(1);
    expect(await text(page, 'overview-frozen')).toBe('200');
    expect(await page.locator('body').innerText()).toContain('冻结积分');
    // The glyphs come from the font the admin serves, not from the machine (which may have no
    // CJK font at all): the font is loaded and covers the label's characters.
    // (A string: the API's type-checking knows no DOM.)
    const glyphs = (await page.evaluate(`(async () => {
      await document.fonts.ready;
      const served = [...document.fonts].filter((f) => f.family.includes('Noto Sans SC'));
      return {
        loaded: served.filter((f) => f.status === 'loaded').length,
        covers: document.fonts.check('16px "Noto Sans SC Variable"', '冻结积分'),
      };
    })()`)) as { loaded: number; covers: boolean };
    expect(glyphs.loaded).toBeGreaterThan(0);
    expect(glyphs.covers).toBe(true);
    await shot(page, 'batch-overview-zh');
    await page.context().close();
  });

  it('shows the dashboard, accounts, integrity and webhook deliveries', async () => {
    // A batch whose webhook receiver keeps failing, so the deliveries screen has attempts to show.
    const receiver = await startWebhookReceiver({ reply: () => 500 });
    try {
      const { batch_id: id } = await submitBatch(t, prompts(10, 'Koi pond'), {
        webhook_url: receiver.url,
      });
      await waitUntilSettled(t, id);
      await eventually(() => receiver.of('batch.completed').length >= 2, 20_000, 'two attempts');

      const page = await signIn(FINANCE);
      const screens: [string, string][] = [
        ['dashboard', 'dashboard-spent'],
        ['accounts', 'account-row'],
        ['integrity', 'integrity-ok'],
        ['webhooks', 'webhook-row'],
      ];
      for (const [screen, ready] of screens) {
        await page.goto(`${t.baseUrl}/admin/${screen}`);
        await expect
          .poll(() => page.getByTestId(ready).count(), { message: screen })
          .toBeGreaterThan(0);
        await shot(page, screen);
      }
      // The dashboard's figures are today's money: 200 + 100 frozen, 10 refunded.
      await page.goto(`${t.baseUrl}/admin/dashboard`);
      await expect.poll(() => text(page, 'dashboard-refunded')).toBe('10');
      await page.context().close();
    } finally {
      await receiver.close();
    }
  });

  it('an expanded ledger row shows its hashes and leads to the task it refunds', async () => {
    const refund = await t.db.creditLedger.findFirstOrThrow({
      where: { refId: batchId, refType: 'batch_refund' },
      include: { task: true },
    });
    const page = await signIn(FINANCE);
    // Billing tab: the refund row, expanded.
    await page.goto(`${t.baseUrl}/admin/batches/${batchId}?tab=billing`);
    const row = page.getByTestId('billing-ledger-row').filter({ hasText: 'batch_refund' });
    await row.getByTestId('billing-ledger-expand').click();
    const detail = page.getByTestId('billing-ledger-detail');
    expect(await detail.getByTestId('ledger-row-hash').innerText()).toBe(refund.rowHash);
    expect(await detail.getByTestId('ledger-prev-hash').innerText()).toBe(refund.prevHash);
    await shot(page, 'batch-billing-row');
    await detail.getByTestId('ledger-task-link').click();
    // The Tasks tab with that task alone: the timed-out one, its price refunded.
    await page.waitForURL(/tab=tasks&task=/);
    await expect.poll(() => page.getByTestId('task-row').count()).toBe(1);
    expect(await page.getByTestId('task-row').innerText()).toContain(refund.task?.prompt ?? '?');
    expect(await page.getByTestId('task-cost').innerText()).toBe('10 · refunded');
    expect(await page.getByTestId('task-only-notice').count()).toBe(1);

    // The ledger explorer: the same row, the same hashes and link.
    await page.goto(`${t.baseUrl}/admin/ledger?accountId=${accountId}`);
    const entry = page.locator(`[data-testid="ledger-row"][data-ledger-id="${refund.id}"]`);
    await entry.getByTestId('ledger-expand').click();
    const explorer = page.getByTestId('ledger-detail');
    expect(await explorer.getByTestId('ledger-row-hash').innerText()).toBe(refund.rowHash);
    expect(await explorer.getByTestId('ledger-prev-hash').innerText()).toBe(refund.prevHash);
    expect(await explorer.getByTestId('ledger-task-link').innerText()).toBe('Task #7');
    await page.context().close();
  });

  it('the integrity page lists what it checked, with counts', async () => {
    const [rows, accounts, refunds, settled] = await Promise.all([
      t.db.creditLedger.count(),
      t.db.account.count(),
      t.db.creditLedger.count({ where: { refType: 'batch_refund' } }),
      t.db.batchJob.count({ where: { settlementStatus: { not: 'pending' } } }),
    ]);
    const page = await signIn(FINANCE);
    await page.goto(`${t.baseUrl}/admin/integrity`);
    await expect.poll(() => page.getByTestId('integrity-ok').count()).toBe(1);
    const check = (key: string) => page.getByTestId(`integrity-check-${key}`).innerText();
    expect(await check('chains')).toMatch(
      new RegExp(`✓ holds\\s+${rows} ledger rows hash-chained, each to the previous row`),
    );
    expect(await check('balances')).toMatch(
      new RegExp(`✓ holds\\s+${accounts} account balances? = Σ of (its|their) ledgers?`),
    );
    expect(await check('refunds')).toMatch(new RegExp(`✓ holds\\s+${refunds} refunds?: one per`));
    expect(await check('settlements')).toMatch(
      new RegExp(`✓ holds\\s+${settled} settled batch(es)?: frozen = spent \\+ refunded`),
    );
    await page.context().close();
  });

  it('finance uploads an items file: each problem names its line and task, a good file is quoted', async () => {
    const page = await signIn(FINANCE);
    await page.goto(`${t.baseUrl}/admin/batches/new`);
    await page.getByTestId('new-batch-account').click();
    await page.getByRole('option', { name: 'Demo Corp' }).click();
    await page.getByTestId('new-batch-source').getByText('Upload CSV / JSONL').click();
    const upload = (name: string, content: string) =>
      page.locator('input[type="file"]').setInputFiles({
        name,
        mimeType: 'text/csv',
        buffer: Buffer.from(content, 'utf8'),
      });

    // Read in the browser by the same parser as the CLI: a blank line and a quoted comma are
    // fine, the problems are listed by line and task, and nothing can be quoted.
    await upload(
      'prompts.csv',
      'prompt,model\n"A cat, at night",sora-2\n,sora-2\n\nA dog,sora-2,extra\nA bird,sora-2\n',
    );
    const problems = page.getByTestId('new-batch-file-problems');
    await expect.poll(() => problems.isVisible()).toBe(true);
    const listed = (await problems.locator('li').allInnerTexts()).map((line) => line.trim());
    expect(listed).toEqual([
      'Line 3, task #1: missing prompt',
      'Line 5, task #2: not valid CSV: expect 2, got 3 on line 5',
    ]);
    expect(await page.getByTestId('quote-button').isDisabled()).toBe(true);
    expect(await page.getByText('Fix the problems in the file first').count()).toBe(1);

    // A good file (a cell across two lines, a model left to the default) is quoted; what the
    // server refuses is pointed at the file's line too.
    await upload(
      'prompts.csv',
      'prompt,model,seconds\n"A cat, at night",,\n\n"Two\nlines",no-such-model,\nA dog,sora-2,8\n',
    );
    await expect.poll(() => text(page, 'new-batch-parsed')).toBe('3 items read from the file');
    expect(await problems.count()).toBe(0);
    await page.getByTestId('quote-button').click();
    const refused = page.getByTestId('quote-problems');
    await expect.poll(() => refused.isVisible()).toBe(true);
    expect((await refused.locator('li').allInnerTexts()).map((line) => line.trim())).toEqual([
      "Task #1 (line 5) · model: Unknown model 'no-such-model'.",
    ]);
    await page.context().close();
  });
});
