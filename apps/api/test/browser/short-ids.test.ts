import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/staff/passwords';
import { startTestApp, type TestApp } from '../helpers';
import { submitBatch, waitUntilSettled } from '../support/scenarios';
import { adminAssetsDir, launchChromium } from './support';

const PASSWORD = 'correct horse battery staple';
const SUPPORT = 'support@batchreel.test';
const FINANCE = 'finance@batchreel.test';
/** Two batches whose ids share their first four characters (and nothing more). */
const TWINS = ['abcd1111-0000-4000-8000-000000000001', 'abcd2222-0000-4000-8000-000000000002'];

let t: TestApp;
let browser: Browser;
/** A batch admitted through the API whose item #2 times out. */
let batchId: string;

/** Submits the prompts and waits until the batch is settled; resolves with its id. */
async function settledBatch(prompts: string[]) {
  const { batch_id: id } = await submitBatch(t, prompts);
  await waitUntilSettled(t, id);
  return id;
}

beforeAll(async () => {
  t = await startTestApp({
    worker: { latencyMs: 10, taskTimeoutMs: 300 },
    adminAssetsDir: adminAssetsDir(),
  });
  const passwordHash = await hashPassword(PASSWORD);
  await t.db.adminUser.createMany({
    data: [
      { email: SUPPORT, displayName: 'Sam Support', role: 'support', passwordHash },
      { email: FINANCE, displayName: 'Fiona Finance', role: 'finance', passwordHash },
    ],
  });
  batchId = await settledBatch([
    'A harbour at dawn',
    'A kite festival',
    'A slow glacier [sim:timeout]',
  ]);
  // Another real batch with a failure, so that a search has something to leave out.
  await settledBatch(['A busy market', 'A desert storm [sim:provider_error]']);
  const account = await t.db.account.findFirstOrThrow({ where: { name: 'Demo Corp' } });
  for (const [i, id] of TWINS.entries()) {
    await t.db.batchJob.create({
      data: {
        id,
        accountId: account.id,
        status: 'processing',
        totalCount: 1,
        costPerVideo: 10,
        requiredCredits: 10,
        createdAt: new Date(Date.now() - (i + 1) * 3_600_000),
      },
    });
    await t.db.videoTask.create({
      data: {
        batchId: id,
        accountId: account.id,
        batchIndex: 0,
        prompt: `Twin ${i}`,
        model: 'sora-2',
        costCredits: 10,
        status: 'failed',
        errorCode: 'content_policy',
        errorMessage: 'refused',
        finishedAt: new Date(Date.now() - (i + 1) * 3_600_000),
      },
    });
  }
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function signIn(email: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${t.baseUrl}/admin/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin\/batches/);
  return page;
}

describe('short-id search', () => {
  it('finds a batch in the batches list by the 8-character id the list shows', async () => {
    const page = await signIn(SUPPORT);
    await expect.poll(() => page.getByTestId('batch-row').count()).toBe(4);
    // What support sees and copies: the short id in the batch's row.
    const shown = await page.locator(`a[title="${batchId}"]`).innerText();
    expect(shown).toBe(batchId.slice(0, 8));

    await page.getByTestId('batch-id-search').fill(shown);
    await expect.poll(() => page.getByTestId('batch-row').count()).toBe(1);
    expect(await page.getByTestId('batch-row').innerText()).toContain(shown);
    expect(page.url()).toContain(`id=${shown}`); // a shareable link

    // A start two batches share lists both; one no batch has, none.
    await page.getByTestId('batch-id-search').fill('abcd');
    await expect.poll(() => page.getByTestId('batch-row').count()).toBe(2);
    await page.getByTestId('batch-id-search').fill('0000ffff');
    await expect.poll(() => page.getByTestId('batch-row').count()).toBe(0);
    // Not an id at all: the box says so and the list is not narrowed by it.
    await page.getByTestId('batch-id-search').fill('xyz!');
    await expect.poll(() => page.getByText('At least 4 hexadecimal characters').count()).toBe(1);
    await page.context().close();
  });

  it('finds failed tasks by the batch and task short ids the failed-task search shows', async () => {
    const page = await signIn(SUPPORT);
    await page.goto(`${t.baseUrl}/admin/failed-tasks`);
    await expect.poll(() => page.getByTestId('failed-task-row').count()).toBe(4);
    const row = page.getByTestId('failed-task-row').filter({ hasText: 'A slow glacier' });
    const shownBatch = await row.locator(`a[title="${batchId}"]`).innerText();
    expect(shownBatch).toBe(batchId.slice(0, 8));
    // The task's number as the CLI writes it, and its own short id.
    expect(await row.getByTestId('batch-index').innerText()).toBe('#2');
    const task = await t.db.videoTask.findFirstOrThrow({ where: { batchId, batchIndex: 2 } });
    const shownTask = await row.locator(`td[title="${task.id}"]`).innerText();
    expect(shownTask).toBe(task.id.slice(0, 8));

    await page.getByTestId('failed-batch-id').fill(shownBatch);
    await expect.poll(() => page.getByTestId('failed-task-row').count()).toBe(1);
    expect(await page.getByTestId('failed-task-row').innerText()).toContain('A slow glacier');

    await page.getByTestId('failed-batch-id').fill('');
    await page.getByTestId('failed-task-id').fill(shownTask);
    await expect.poll(() => page.getByTestId('failed-task-row').count()).toBe(1);
    expect(await page.getByTestId('failed-task-row').innerText()).toContain('A slow glacier');

    // A batch start two batches share: both are offered, and picking one filters by it.
    await page.getByTestId('failed-task-id').fill('');
    await page.getByTestId('failed-batch-id').fill('abcd');
    const candidates = page.getByTestId('failed-batch-candidates');
    await expect.poll(() => candidates.getByRole('button').count()).toBe(2);
    expect(await candidates.innerText()).toContain(TWINS[0]);
    await candidates.getByRole('button', { name: TWINS[1] }).click();
    await expect.poll(() => page.getByTestId('failed-task-row').count()).toBe(1);
    expect(await page.getByTestId('failed-task-row').innerText()).toContain('Twin 1');
    await page.context().close();
  });
});

describe('codes and system memos in Chinese', () => {
  it('labels error classes and renders the ledger memos the system wrote in Chinese', async () => {
    const page = await signIn(FINANCE);
    await page.goto(`${t.baseUrl}/admin/batches/${batchId}?tab=billing`);
    await page.getByTestId('language-switch').getByText('中文').click();
    await expect.poll(() => page.getByTestId('billing-ledger-row').count()).toBe(2);
    const memos = await page.getByTestId('ledger-memo').allInnerTexts();
    const short = batchId.slice(0, 8);
    expect(memos).toEqual([`批次 ${short} 的预扣`, `批次 ${short} 任务 #2 的退款：未交付`]);

    await page.goto(`${t.baseUrl}/admin/failed-tasks`);
    const glacier = page.getByTestId('failed-task-row').filter({ hasText: 'A slow glacier' });
    await expect.poll(() => glacier.getByTestId('error-code').innerText()).toBe('超时');
    expect(await glacier.getByTestId('error-code').getAttribute('data-code')).toBe('timeout');
    await page.context().close();
  });
});
