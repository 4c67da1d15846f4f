// The model catalogue and the provider-cost report in Chromium (issue 15): an admin adds a model
// priced per second, changes a price and retires an older model for it, seeing beforehand what
// happens to its queued tasks, and finds all of it in the audit log; support can neither see nor
// call the catalogue; finance reads credits charged against provider cost and the margin of a
// settled batch, sets what a credit is worth, and downloads the same figures as CSV.
//
// Each test is a whole flow through several screens, so it gets 60 s (it takes 5–15 s; under a
// machine's full load it came near the 30 s default).
//
// Two systems: the catalogue one runs no worker, so the retired model's tasks stay queued
// (frozen by the worker's own freeze, as a running system would have); the finance one runs the
// worker, so its batch settles.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordProviderCost } from '../../src/costs/record';
import { freezeBatch } from '../../src/execution/freeze';
import { createLogger } from '../../src/platform/logger';
import { hashPassword } from '../../src/staff/passwords';
import { startTestApp, type TestApp } from '../helpers';
import { createPerSecondModel } from '../support/catalogue';
import { clientOf, submitBatch, waitUntilSettled } from '../support/scenarios';
import { adminAssetsDir, launchChromium, SCREENSHOT_DIR } from './support';

const PASSWORD = 'correct horse battery staple';
const ADMIN = 'admin@batchreel.test';
const FINANCE = 'finance@batchreel.test';
const SUPPORT = 'support@batchreel.test';

const OLD = 'veo-2'; // 3 credits/s at 1280x720, 5 at 1920x1080; 4, 6 or 8 s
const NEW = 'veo-3-fast'; // added in the browser: 1280x720 only, 4 or 8 s
const PRICED = 'veo-sim'; // the finance system's model: the same prices, $0.05/s at 720p

let catalogue: TestApp;
let money: TestApp;
let browser: Browser;
let queuedBatch: string;
let settledBatch: string;

async function createStaff(t: TestApp) {
  const passwordHash = await hashPassword(PASSWORD);
  await t.db.adminUser.createMany({
    data: [
      { email: ADMIN, displayName: 'Ada Admin', role: 'admin', passwordHash },
      { email: FINANCE, displayName: 'Fiona Finance', role: 'finance', passwordHash },
      { email: SUPPORT, displayName: 'Sam Support', role: 'support', passwordHash },
    ],
  });
}

beforeAll(async () => {
  // One after the other: two seeds at once can outlast a transaction's time on a busy machine.
  catalogue = await startTestApp({ adminAssetsDir: adminAssetsDir() });
  money = await startTestApp({
    adminAssetsDir: adminAssetsDir(),
    worker: {
      latencyMs: 10,
      taskTimeoutMs: 300,
      beforeStart: async (db) => {
        await createPerSecondModel(db, { id: PRICED });
      },
    },
  });
  await createStaff(catalogue);
  await createStaff(money);

  // Four tasks wait on the old model, their credits frozen.
  await createPerSecondModel(catalogue.db, { id: OLD });
  queuedBatch = (
    await submitBatch(catalogue, [
      { prompt: 'A harbour at dawn', model: OLD, seconds: 8, size: '1280x720' }, // 24
      { prompt: 'A market at noon', model: OLD, seconds: 4, size: '1280x720' }, // 12
      { prompt: 'A bridge in fog', model: OLD, seconds: 6, size: '1280x720' }, // 18
      { prompt: 'A tram at night', model: OLD, seconds: 4, size: '1920x1080' }, // 20
    ])
  ).batch_id;
  const logger = createLogger({ LOG_LEVEL: 'silent' });
  expect(await freezeBatch(catalogue.db, catalogue.queue, queuedBatch, logger)).toBe('frozen');

  // A batch the worker settles: two videos made, one refused for content and refunded. Their
  // provider costs are recorded as the executor records them: the catalogue's estimate for one
  // (8 s × $0.05), the provider's own report for the other; the refusal cost nothing.
  settledBatch = (
    await submitBatch(money, [
      { prompt: 'A lighthouse at dusk', model: PRICED, seconds: 8, size: '1280x720' }, // 24
      { prompt: 'A koi pond', model: PRICED, seconds: 4, size: '1920x1080' }, // 20
      { prompt: 'A riot [sim:content_policy]', model: PRICED, seconds: 6, size: '1280x720' }, // 18
    ])
  ).batch_id;
  await waitUntilSettled(money, settledBatch);
  const tasks = await money.db.videoTask.findMany({
    where: { batchId: settledBatch },
    orderBy: { batchIndex: 'asc' },
  });
  expect(tasks.map((task) => task.status)).toEqual(['succeeded', 'succeeded', 'failed']);
  await money.db.$transaction(async (tx) => {
    await recordProviderCost(tx, { taskId: tasks[0]?.id ?? '', attempt: 1, outcome: 'succeeded' });
    await recordProviderCost(tx, {
      taskId: tasks[1]?.id ?? '',
      attempt: 1,
      outcome: 'succeeded',
      usage: { cost: { amount: 0.35, currency: 'USD' } },
    });
    await recordProviderCost(tx, { taskId: tasks[2]?.id ?? '', attempt: 1, outcome: 'failed' });
  });

  browser = await launchChromium();
  await mkdir(SCREENSHOT_DIR, { recursive: true });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([catalogue?.close(), money?.close()]);
});

async function signIn(t: TestApp, email: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
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
const rowOf = (page: Page, model: string) =>
  page.locator(`[data-testid="catalogue-row"][data-model-id="${model}"]`);

describe('model catalogue (admin)', () => {
  it('adds a model priced per second, changes a price, and clients are quoted the new price', async () => {
    const page = await signIn(catalogue, ADMIN);
    await page.getByTestId('nav-catalogue').click();
    await expect.poll(() => rowOf(page, OLD).count()).toBe(1);
    expect(await rowOf(page, 'sora-2').innerText()).toContain('10 credits per video');

    await page.getByTestId('model-create').click();
    await page.getByTestId('model-form-id').fill(NEW);
    await page.getByTestId('model-form-name').fill('Veo 3 Fast');
    await page.getByTestId('model-form-provider').click();
    await page.getByRole('option', { name: 'fal', exact: true }).click();
    await page.getByTestId('model-form-provider-model').fill('fal-ai/veo3.1/fast');
    await page.getByTestId('model-form-seconds').fill('4, 8');
    await page.getByTestId('model-form-limit').fill('16');
    await page.getByTestId('model-form-rate-1280x720').fill('3');
    await page.getByTestId('model-form-cost-1280x720').fill('100000');
    // What the provider charges, read back in dollars while typing.
    await expect.poll(() => page.getByText('$0.10', { exact: true }).count()).toBe(1);
    await shot(page, 'catalogue-form');
    await page.getByTestId('model-form-submit').click();

    await expect.poll(() => rowOf(page, NEW).count()).toBe(1);
    const added = await rowOf(page, NEW).innerText();
    for (const shown of ['Veo 3 Fast', 'fal', 'fal-ai/veo3.1/fast', '1280x720: 3 credits/s']) {
      expect(added).toContain(shown);
    }
    expect(added).toContain('1280x720: $0.10/s');
    expect(added).toContain('enabled');

    // The price goes up to 4 credits a second.
    await rowOf(page, NEW).getByTestId('model-edit').click();
    await page.getByTestId('model-form-rate-1280x720').fill('4');
    await page.getByTestId('model-form-submit').click();
    await expect
      .poll(() => rowOf(page, NEW).getByTestId('catalogue-rate-1280x720').innerText())
      .toBe('1280x720: 4 credits/s');

    // What a client is quoted from now on: 8 s × 4 credits.
    const quote = await (await clientOf(catalogue)).quote({
      items: [{ prompt: 'A harbour', model: NEW, seconds: 8, size: '1280x720' }],
    });
    expect(quote.required_credits).toBe(32);
    await page.context().close();
  }, 60_000);

  it('retires the old model for the new one after showing what happens to its queued tasks', async () => {
    const page = await signIn(catalogue, ADMIN);
    await page.goto(`${catalogue.baseUrl}/admin/catalogue`);
    await expect.poll(() => rowOf(page, OLD).getByTestId('model-retire').count()).toBe(1);
    expect(await rowOf(page, OLD).innerText()).toMatch(/\b4\b/); // queued tasks
    await rowOf(page, OLD).getByTestId('model-retire').click();

    // Without a replacement every queued task would be canceled and refunded…
    await expect
      .poll(() => text(page, 'retire-preview'))
      .toContain('All 4 queued tasks are canceled and each is refunded its own price.');
    // …with the new one, the two 8 s and 4 s tasks at 1280x720 move at their admitted price.
    await page.getByTestId('retire-replacement').click();
    await page.getByRole('option', { name: `Veo 3 Fast (${NEW})` }).click();
    await expect
      .poll(() => text(page, 'retire-preview'))
      .toContain(
        `4 queued tasks: 2 move to ${NEW} at the price they were admitted at; 2 (${NEW} does not offer their length or size) are canceled and refunded.`,
      );
    await shot(page, 'catalogue-retire');
    await page.getByTestId('retire-confirm').click();
    await expect
      .poll(() => page.getByText('Retired: 2 tasks moved, 2 canceled, 38 credits refunded').count())
      .toBe(1);
    await expect
      .poll(() => rowOf(page, OLD).innerText())
      .toMatch(new RegExp(`\\bretired\\s+replaced by ${NEW}\\b`));
    expect(await rowOf(page, OLD).getByTestId('model-retire').count()).toBe(0);
    await shot(page, 'catalogue');

    // What the preview said is what happened: prices as admitted, each cancel refunded its own.
    const tasks = await catalogue.db.videoTask.findMany({
      where: { batchId: queuedBatch },
      orderBy: { batchIndex: 'asc' },
    });
    expect(tasks.map((task) => [task.model, task.status, task.costCredits])).toEqual([
      [NEW, 'queued', 24],
      [NEW, 'queued', 12],
      [OLD, 'canceled', 18],
      [OLD, 'canceled', 20],
    ]);
    const refunds = await catalogue.db.creditLedger.findMany({
      where: { refId: queuedBatch, refType: 'batch_refund' },
    });
    expect(refunds.map((row) => row.creditsDelta).sort()).toEqual([18, 20]);

    // The audit log names who did each of it.
    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-target').fill(OLD);
    await expect.poll(() => page.getByTestId('audit-row').count()).toBe(1);
    const retired = await page.getByTestId('audit-row').innerText();
    expect(retired).toContain('Model retired');
    expect(retired).toContain(`admin:${ADMIN}`);
    expect(retired).toContain(`"replacedBy": "${NEW}"`);
    await page.getByTestId('audit-target').fill(NEW);
    await expect
      .poll(async () =>
        (await page.getByTestId('audit-row').allInnerTexts()).map((row) =>
          row.includes('Model changed')
            ? 'changed'
            : row.includes('Model created')
              ? 'created'
              : '?',
        ),
      )
      .toEqual(['changed', 'created']);
    await page.context().close();
  }, 60_000);

  it('is neither shown to support nor callable by them', async () => {
    const page = await signIn(catalogue, SUPPORT);
    await expect.poll(() => page.getByTestId('nav-batches').count()).toBe(1);
    expect(await page.getByTestId('nav-catalogue').count()).toBe(0);
    await page.goto(`${catalogue.baseUrl}/admin/catalogue`);
    await expect.poll(() => page.getByTestId('role-notice').count()).toBe(1);
    expect(await text(page, 'role-notice')).toContain('This needs the admin role');
    expect(await page.getByTestId('catalogue-row').count()).toBe(0);

    // Straight to the server with support's own session: refused, nothing written.
    const before = await catalogue.db.auditLog.count();
    const answers = await page.evaluate(async () => {
      const headers = { 'content-type': 'application/json', 'x-batchreel-admin': '1' };
      const list = await fetch('/trpc/models.list', { headers });
      const retire = await fetch('/trpc/models.retire', {
        method: 'POST',
        headers,
        body: JSON.stringify({ json: { id: 'veo-3-fast', replacement: null } }),
      });
      return [list.status, retire.status];
    });
    expect(answers).toEqual([403, 403]);
    expect(await catalogue.db.auditLog.count()).toBe(before);
    const model = await catalogue.db.model.findUniqueOrThrow({ where: { id: NEW } });
    expect(model.retiredAt).toBeNull();
    await page.context().close();
  }, 60_000);
});

describe('provider costs (finance)', () => {
  it('shows credits charged against provider cost and the margin of the settled batch, and the CSV says the same', async () => {
    const page = await signIn(money, FINANCE);
    await page.getByTestId('nav-providerCosts').click();
    // Credits 24 + 20 (the refusal was refunded); provider cost $0.40 estimated + $0.35 reported.
    await expect.poll(() => text(page, 'costs-total-credits')).toBe('44');
    expect(await text(page, 'costs-total-provider-cost')).toBe('$0.75');
    // No credit value yet: no revenue or margin to show, and the page says why.
    expect(await text(page, 'credit-value')).toBe('Not set');
    expect(await page.getByTestId('credit-value-unset').count()).toBe(1);
    expect(await text(page, 'costs-total-margin')).toBe('—');

    // One credit is worth two cents: revenue $0.88, margin $0.13.
    await page.getByTestId('credit-value-edit').click();
    await page.getByTestId('credit-value-input').fill('0.02');
    await page.getByTestId('credit-value-save').click();
    await expect.poll(() => text(page, 'credit-value')).toBe('1 credit = $0.02');
    expect(await text(page, 'credit-value-by')).toContain(FINANCE);
    await expect.poll(() => text(page, 'costs-total-revenue')).toBe('$0.88');
    expect(await text(page, 'costs-total-margin')).toBe('$0.13');
    expect(await text(page, 'cost-total-margin-rate')).toBe('14.8%');
    // The chart draws today's revenue and cost bars and the margin line.
    const chart = page.getByTestId('costs-chart');
    await expect.poll(() => chart.locator('.recharts-bar-rectangle path').count()).toBe(2);
    expect(await chart.locator('.recharts-line').count()).toBe(1);
    expect(await chart.innerText()).toContain('Margin');

    // Per batch: the settled batch, with its figures.
    await page.getByTestId('costs-group-by').getByText('Batch').click();
    const row = page.locator(`[data-testid="cost-row"][data-key="${settledBatch}"]`);
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.getByTestId('cost-credits').innerText()).toBe('44');
    expect(await row.getByTestId('cost-tasks').innerText()).toBe('2');
    expect(await row.getByTestId('cost-revenue').innerText()).toBe('$0.88');
    expect(await row.getByTestId('cost-provider-cost').innerText()).toBe('$0.75');
    expect(await row.innerText()).toContain('of which $0.40 estimated from the catalogue');
    expect(await row.getByTestId('cost-margin').innerText()).toBe('$0.13');
    await shot(page, 'provider-costs');

    // The CSV link asks for the same report and downloads the same figures.
    const href = (await page.getByTestId('export-csv').getAttribute('href')) ?? '';
    expect(href).toMatch(/^\/admin\/export\/provider-costs\.csv\?groupBy=batch&from=.+&to=.+/);
    const response = await page.request.get(new URL(href, money.baseUrl).toString());
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toMatch(/^text\/csv/);
    const lines = parse(await response.text(), { columns: true }) as Record<string, string>[];
    const batchLine = lines.find((line) => line.key === settledBatch);
    expect(batchLine).toMatchObject({
      group: 'batch',
      credits_charged: '44',
      tasks_succeeded: '2',
      credit_value_usd_micros: '20000',
      revenue_usd_micros: '880000',
      provider_cost_usd_micros: '750000',
      provider_cost_estimated_usd_micros: '400000',
      margin_usd_micros: '130000',
    });
    expect(lines.at(-1)).toMatchObject({
      group: 'total',
      credits_charged: '44',
      margin_usd_micros: '130000',
    });

    // Setting the credit value was finance's audited act; the ledger saw nothing of it.
    const audited = await money.db.auditLog.findFirstOrThrow({
      where: { action: 'credit_value.set' },
    });
    expect(audited).toMatchObject({ actor: `admin:${FINANCE}`, after: { perCredit: 20_000 } });
    await page.context().close();
  }, 60_000);
});
