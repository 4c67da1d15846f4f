// The batch page's webhook deliveries in Chromium (issue 13, item 4): what support sees when a
// client asks "did you notify us?". One batch's webhook is the README's
// `https://customer.com/webhook` on a machine without internet (pending, attempts failing to
// resolve the name, the next retry an hour away); another goes to the built-in demo receiver
// with private networks closed (delivered, verified, redeliverable).

import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LookupFunction } from '../../src/platform/outbound';
import { hashPassword } from '../../src/staff/passwords';
import { startTestApp, type TestApp } from '../helpers';
import { demoReceiverView } from '../support/demo-receiver';
import { prompts, submitBatch } from '../support/scenarios';
import { eventually } from '../support/webhook-receiver';
import { adminAssetsDir, launchChromium, SCREENSHOT_DIR } from './support';

const PASSWORD = 'correct horse battery staple';
const SUPPORT = 'support@batchreel.test';

/** No internet: every name fails to resolve. */
const offline: LookupFunction = (hostname, _options, callback) =>
  callback(
    Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }),
    [],
  );

let t: TestApp;
let browser: Browser;
let offlineBatchId: string;
let receiverBatchId: string;

beforeAll(async () => {
  t = await startTestApp({
    adminAssetsDir: adminAssetsDir(),
    demoReceiver: true,
    config: { allowPrivateNetworks: false },
    worker: {
      webhooks: {
        retryScheduleMs: [100, 3_600_000],
        outbound: { allowPrivateNetworks: false, lookup: offline },
      },
    },
  });
  await t.db.adminUser.create({
    data: {
      email: SUPPORT,
      displayName: 'Sam Support',
      role: 'support',
      passwordHash: await hashPassword(PASSWORD),
    },
  });
  const receiver = await demoReceiverView(t);
  const ferries = prompts(4, 'A ferry');
  ({ batch_id: offlineBatchId } = await submitBatch(t, ferries, {
    webhook_url: 'https://customer.com/webhook',
  }));
  ({ batch_id: receiverBatchId } = await submitBatch(t, ferries, { webhook_url: receiver.url }));
  await eventually(
    async () =>
      (await t.db.webhookDelivery.count({
        where: { batchId: offlineBatchId, attemptCount: 2 },
      })) === 2 &&
      (await t.db.webhookDelivery.count({
        where: { batchId: receiverBatchId, status: 'delivered' },
      })) === 2,
    30_000,
    'the deliveries of both batches to stand',
  );
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function signIn(locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, locale });
  const page = await context.newPage();
  await page.goto(`${t.baseUrl}/admin/login`);
  await page.getByLabel('Email').fill(SUPPORT);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin\/batches/);
  return page;
}

describe('batch page: webhook deliveries', () => {
  it('shows the pending delivery to customer.com: attempts with the DNS error, the next retry', async () => {
    const page = await signIn();
    await page.goto(`${t.baseUrl}/admin/batches/${offlineBatchId}`);
    const deliveries = page.getByTestId('batch-webhook-delivery');
    await expect.poll(() => deliveries.count()).toBe(2);
    for (const [index, event] of ['batch.processing', 'batch.completed'].entries()) {
      const delivery = deliveries.nth(index);
      expect(await delivery.innerText()).toContain(event);
      expect(await delivery.getByTestId('batch-webhook-status').innerText()).toBe('pending');
      expect(await delivery.getByTestId('batch-webhook-attempt-count').innerText()).toBe(
        'Attempts: 2',
      );
      // An hour away (±20 % jitter), said as a time and how far off it is.
      expect(await delivery.getByTestId('batch-webhook-next-attempt').innerText()).toMatch(
        /^Not delivered yet; next attempt .+ \(in (\d+ minutes|1 hour)\)$/,
      );
      const attempts = delivery.getByTestId('webhook-attempt-row');
      expect(await attempts.count()).toBe(2);
      for (const row of await attempts.all()) {
        expect(await row.innerText()).toMatch(/Could not connect: ENOTFOUND .*customer\.com/);
      }
      // Still being retried: nothing to redeliver yet.
      expect(await delivery.getByTestId('batch-webhook-redeliver').count()).toBe(0);
    }
    const all = page.getByRole('link', { name: 'All deliveries on the Webhooks page' });
    expect(await all.getAttribute('href')).toBe(`/admin/webhooks?batchId=${offlineBatchId}`);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'batch-webhooks.png'), fullPage: true });
    await all.click();
    await expect.poll(() => page.getByTestId('webhook-row').count()).toBe(2);
    await page.context().close();
  });

  it('shows the delivered events with the receiver’s answer, and redelivers one', async () => {
    const page = await signIn();
    await page.goto(`${t.baseUrl}/admin/batches/${receiverBatchId}`);
    const deliveries = page.getByTestId('batch-webhook-delivery');
    await expect.poll(() => deliveries.count()).toBe(2);
    const completed = deliveries.filter({ hasText: 'batch.completed' });
    expect(await completed.getByTestId('batch-webhook-status').innerText()).toBe('delivered');
    const attempt = completed.getByTestId('webhook-attempt-row');
    expect(await attempt.innerText()).toContain('200');
    expect(await attempt.innerText()).toContain('"verified":true');
    await completed.getByTestId('batch-webhook-redeliver').click();
    await expect
      .poll(() => completed.getByTestId('batch-webhook-attempt-count').innerText(), {
        timeout: 20_000,
      })
      .toBe('Attempts: 2');
    await expect.poll(() => completed.getByTestId('webhook-attempt-row').count()).toBe(2);
    await page.context().close();
  });

  it('reads in Chinese', async () => {
    const page = await signIn();
    await page.getByTestId('language-switch').getByText('中文').click();
    await page.goto(`${t.baseUrl}/admin/batches/${offlineBatchId}`);
    await expect.poll(() => page.getByTestId('batch-webhook-delivery').count()).toBe(2);
    const section = await page.getByTestId('batch-webhooks').innerText();
    expect(section).toContain('Webhook 投递');
    expect(section).toContain('尝试次数：2');
    expect(section).toMatch(/尚未送达；下次尝试 .+\(\d+ ?(小时|分钟)后\)/);
    await page.context().close();
  });
});
