import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, chromium } from 'playwright-core';
import { inject } from 'vitest';

const ADMIN_DIR = resolve(import.meta.dirname, '../../../admin');

/** Where the browser tests leave their screenshots (shown in the README). */
export const SCREENSHOT_DIR = resolve(import.meta.dirname, '../../../../docs/screenshots');

/**
 * Builds the admin SPA with its own Vite into a fresh directory, so the tests serve exactly the
 * sources under test (not a stale `apps/admin/dist`). The global setup does it once per run.
 */
export async function buildAdminApp(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'batchreel-admin-'));
  const vite = join(ADMIN_DIR, 'node_modules/vite/bin/vite.js');
  await promisify(execFile)(
    process.execPath,
    [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    {
      cwd: ADMIN_DIR,
      timeout: 180_000,
    },
  );
  return outDir;
}

/** The admin SPA as the global setup built it for this run (shared by every browser test). */
export const adminAssetsDir = (): string => inject('adminAssetsDir');

/** Headless Chromium from the npm registry (see `global-setup.ts`), with no network of its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: inject('chromiumPath'),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
