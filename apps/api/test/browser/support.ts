import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, chromium } from 'playwright-core';

const ADMIN_DIR = resolve(import.meta.dirname, '../../../admin');

/** Where the browser tests leave their screenshots (shown in the README). */
export const SCREENSHOT_DIR = resolve(import.meta.dirname, '../../../../docs/screenshots');

/**
 * Builds the admin SPA with its own Vite into a fresh directory, so the test serves exactly the
 * sources under test (not a stale `apps/admin/dist`).
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

/** Debian's Chromium (`.ci/run` installs it); CHROMIUM_PATH overrides. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((path): path is string => !!path && existsSync(path));
  if (!found) {
    throw new Error(
      'Chromium not found: install it (`apt-get install -y chromium`) or set CHROMIUM_PATH',
    );
  }
  return found;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
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
