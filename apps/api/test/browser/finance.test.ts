// The admin's Budgets & statements page in Chromium (issue 17): finance sets a cap on an API key,
// sees the month's use against it (table, progress, chart) and the thresholds that fired, sets
// the low-balance level and sees the alert, downloads a statement; bad input is refused in the
// form and changes nothing; support has no such page; the page reads in Chinese too.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/staff/passwords';
import { startTestApp, type TestApp } from '../helpers';
import { prompts, submitBatch, waitUntilSettled } from '../support/scenarios';
import { adminAssetsDir, launchChromium, SCREENSHOT_DIR } from './support';

const PASSWORD = 'correct horse battery staple';
const FINANCE = 'fiona@batchreel.test';
const SUPPORT = 'sam@batchreel.test';

let t: TestApp;
let browser: Browser;
let accountId: string;
let keyId: string;

beforeAll(async () => {
  t = await startTestApp({ adminAssetsDir: adminAssetsDir(), worker: true });
  for (const [email, role] of [
    [FINANCE, 'finance'],
    [SUPPORT, 'support'],
  ] as const) {
    await t.db.adminUser.create({
      data: { email, displayName: email, role, passwordHash: await hashPassword(PASSWORD) },
    });
  }
  const key = await t.db.apiKey.findFirstOrThrow({ include: { account: true } });
  accountId = key.accountId;
  keyId = key.id;
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function signIn(email: string, locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, locale });
  const page = await context.newPage();
  await page.goto(`${t.baseUrl}/admin/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin\/batches/);
  return page;
}

describe('Budgets & statements', () => {
  it('finance caps a key, sees the use and the alerts, refuses bad input, downloads a statement', async () => {
    const page = await signIn(FINANCE);
    await page.getByTestId('nav-finance').click();
    await page.waitForURL(/\/admin\/finance/);
    await page.goto(`${t.baseUrl}/admin/finance?accountId=${accountId}`);
    await expect
      .poll(() => page.getByText('No budgets: only the balance limits this account.').count())
      .toBe(1);

    // A cap on the demo key: 100 credits, alerts at 50 % and 100 %.
    await page.getByTestId('budget-new').click();
    await page.getByTestId('budget-scope').click();
    await page.getByRole('option', { name: 'An API key' }).click();
    await page.getByTestId('budget-key').click();
    await page.getByRole('option', { name: /demo/i }).first().click();
    // Bad input first: a negative cap and a threshold above 100 % are refused in the form.
    await page.getByTestId('budget-cap-input').fill('-5');
    await page.getByTestId('budget-thresholds').fill('50, 120');
    await page.getByTestId('budget-save').click();
    await expect
      .poll(() => page.getByText('A whole number of credits, at least 1.').count())
      .toBe(1);
    await expect
      .poll(() => page.getByText('Give whole percents from 1 to 100, separated by commas.').count())
      .toBe(1);
    expect(await t.db.budget.count()).toBe(0);
    await page.getByTestId('budget-cap-input').fill('100');
    await page.getByTestId('budget-thresholds').fill('50, 100');
    await page.getByTestId('budget-save').click();
    const rows = page.getByTestId('budgets-table').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().innerText()).toContain('API key');
    expect(await t.db.budget.findFirstOrThrow()).toMatchObject({
      apiKeyId: keyId,
      capCredits: 100,
      thresholdPercents: [50, 100],
    });

    // The low-balance level: the demo's 5,000 falls below 4,990 at the first freeze.
    await page.getByTestId('alert-low-balance').fill('4990');
    await page.getByTestId('alert-settings-save').click();
    await expect.poll(() => page.getByText('Alert settings saved').count()).toBe(1);

    // 60 credits of batches through the API: 60 % used, the 50 % threshold fired.
    const batch = await submitBatch(t, prompts(6, 'A budgeted fox'));
    await waitUntilSettled(t, batch.batch_id);
    await page.reload();
    await expect.poll(() => page.getByTestId('budget-used').first().innerText()).toBe('60');
    await expect.poll(() => page.getByTestId('threshold-fired').allInnerTexts()).toEqual(['50 %']);
    const line = page.getByTestId('budget-chart').locator('.recharts-line');
    await expect.poll(() => line.locator('circle, path').count()).toBeGreaterThan(0);
    expect(await line.count()).toBe(1);
    const alerts = page.getByTestId('alert-row');
    await expect.poll(() => alerts.count()).toBe(2);
    const alertTexts = (await alerts.allInnerTexts()).join('\n');
    expect(alertTexts.toLowerCase()).toContain('budget threshold crossed');
    expect(alertTexts).toContain('50 % of 100 reached (60 used');
    expect(alertTexts).toContain('Balance 4,940 below 4,990');

    // The month's statement, downloaded with the staff session like the page's link does.
    const month = new Date().toISOString().slice(0, 7);
    const row = page.getByTestId(`statement-${month}`);
    expect((await row.innerText()).toLowerCase()).toContain('provisional');
    const href = await row.getByTestId('statement-pdf').getAttribute('href');
    expect(href).toBe(`/admin/export/monthly-statements/${accountId}/${month}.pdf`);
    const download = await page.evaluate(async (url) => {
      const response = await fetch(url);
      const bytes = new Uint8Array(await response.arrayBuffer());
      return {
        status: response.status,
        head: String.fromCharCode(...bytes.slice(0, 5)),
        signature: response.headers.get('x-batchreel-signature'),
      };
    }, href as string);
    expect(download).toMatchObject({ status: 200, head: '%PDF-' });
    expect(download.signature).toMatch(/^ed25519=/);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'finance.png'), fullPage: true });
    await page.context().close();
  }, 120_000);

  it('reads in Chinese', async () => {
    const page = await signIn(FINANCE);
    await page.goto(`${t.baseUrl}/admin/finance?accountId=${accountId}`);
    await page.getByTestId('language-switch').getByText('中文').click();
    await expect.poll(() => page.getByRole('heading', { name: '预算与对账单' }).count()).toBe(1);
    await expect.poll(() => page.getByText('本月预算').count()).toBe(1);
    await expect.poll(() => page.getByText('硬上限（拒绝）').count()).toBeGreaterThan(0);
    await page.context().close();
  });

  it('is finance’s: support sees no link and a role notice', async () => {
    const page = await signIn(SUPPORT);
    expect(await page.getByTestId('nav-finance').count()).toBe(0);
    await page.goto(`${t.baseUrl}/admin/finance?accountId=${accountId}`);
    await expect.poll(() => page.getByText('This needs the finance role').count()).toBe(1);
    await page.context().close();
  });
});
