// A first-time user's first minute: `pnpm start` (the built admin and API, embedded PostgreSQL,
// demo data) prints a banner; its admin URL and sign-in work in a real browser.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@batchreel/db';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Banner,
  type StartedSystem,
  startSystem,
  stopSystem,
  waitForBanner,
} from '../support/system';
import { launchChromium } from './support';

const ADMIN_DIR = resolve(import.meta.dirname, '../../../admin');

let dataDir: string;
let system: StartedSystem | undefined;
let banner: Banner;
let browser: Browser;

beforeAll(async () => {
  // What `pnpm start` does before it runs dist/main.js (the API's dist/ is built by the global
  // setup): build the admin app where the server serves it from.
  await promisify(execFile)(
    process.execPath,
    [join(ADMIN_DIR, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'],
    { cwd: ADMIN_DIR, timeout: 180_000 },
  );
  dataDir = await mkdtemp(join(tmpdir(), 'batchreel-first-run-'));
  // As root the embedded cluster runs as the `postgres` OS user, who must be able to enter it.
  await chmod(dataDir, 0o755);
  system = startSystem({
    DATA_DIR: dataDir,
    PORT: String(await freePort()),
    EMBEDDED_PG_PORT: String(await freePort()),
    // As on a terminal (the test's stdout is a pipe).
    LOG_FORMAT: 'pretty',
  });
  banner = await waitForBanner(system);
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (system) await stopSystem(system);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('first run', () => {
  it("the start banner's admin URL and sign-in open the batches page", async () => {
    expect(banner.email).toBe('admin@batchreel.local');
    expect(banner.password).not.toBeNull();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(banner.adminUrl);
    // Not signed in yet: the app asks for the banner's e-mail and password.
    await page.waitForURL(/\/admin\/login/);
    await page.getByLabel('Email').fill(`${banner.email}`);
    await page.getByLabel('Password').fill(`${banner.password}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/admin\/batches/);
    await expect.poll(() => page.getByRole('heading', { name: 'Batches' }).count()).toBe(1);
    await expect.poll(() => page.getByTestId('new-batch-button').isVisible()).toBe(true);
    await context.close();
  });
});
