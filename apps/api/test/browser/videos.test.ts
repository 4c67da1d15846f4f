// The admin's side of durable outputs (issue 18), in a real browser: the Tasks tab shows each
// stored video's size and SHA-256 and plays it (through the session-authenticated player route);
// the accounts page shows storage used per account, and an admin changes the retention period.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/staff/passwords';
import { startTestApp, type TestApp } from '../helpers';
import { clientOf, submitBatch, waitUntilSettled } from '../support/scenarios';
import { adminAssetsDir, launchChromium } from './support';

const PASSWORD = 'correct horse battery staple';
const ADMIN = 'admin-videos@batchreel.test';

let t: TestApp;
let browser: Browser;
let batchId: string;

beforeAll(async () => {
  t = await startTestApp({ worker: true, adminAssetsDir: adminAssetsDir() });
  await t.db.adminUser.create({
    data: {
      email: ADMIN,
      displayName: 'Ada Admin',
      role: 'admin',
      passwordHash: await hashPassword(PASSWORD),
    },
  });
  batchId = (await submitBatch(t, ['A lighthouse at dusk', 'A harbour [sim:content_policy]']))
    .batch_id;
  await waitUntilSettled(t, batchId);
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
  await page.getByLabel('Email').fill(ADMIN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin\/batches/);
  return page;
}

describe('videos in the admin', () => {
  it('the Tasks tab shows size and checksum and plays the stored video', async () => {
    const [task] = (await (await clientOf(t)).listTasks(batchId, { status: 'succeeded' })).data;
    const page = await signIn();
    await page.goto(`${t.baseUrl}/admin/batches/${batchId}?tab=tasks`);
    await page.getByTestId('play-video').first().waitFor();
    expect(await page.getByTestId('video-sha256').first().getAttribute('title')).toBe(
      task?.video_sha256,
    );
    expect(await page.getByTestId('video-size').first().textContent()).toMatch(
      /^\d+(\.\d)? (B|KB)$/,
    );

    await page.getByTestId('play-video').first().click();
    const player = page.getByTestId('video-player');
    await player.waitFor();
    // The simulator's "video" is a poster: it loaded through /admin/videos → signed download.
    await expect
      .poll(() =>
        player.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      )
      .toBeGreaterThan(0);
    expect(await page.getByTestId('video-sha256-full').textContent()).toContain(task?.video_sha256);

    // Without a session the player route refuses.
    const anonymous = await fetch(`${t.baseUrl}/admin/videos/${task?.task_id}`, {
      redirect: 'manual',
    });
    expect(anonymous.status).toBe(401);
  });

  it('the accounts page shows storage used; an admin sets the retention period', async () => {
    const page = await signIn();
    await page.goto(`${t.baseUrl}/admin/accounts`);
    const demo = page.getByTestId('account-row').filter({ hasText: 'Demo Corp' });
    await expect.poll(() => demo.getByTestId('account-storage').textContent()).toMatch(/1 videos/);
    await demo.getByTestId('storage-button').click();
    await expect.poll(() => page.getByTestId('storage-retention').textContent()).toBe('30 days');
    await page.getByTestId('retention-days').fill('7');
    await page.getByTestId('retention-save').click();
    await expect.poll(() => page.getByTestId('storage-retention').textContent()).toBe('7 days');
    const account = await t.db.account.findFirstOrThrow({ where: { name: 'Demo Corp' } });
    expect(account.videoRetentionSeconds).toBe(7 * 86_400);
  });
});
