import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const API_DIR = join(import.meta.dirname, '../..');

/**
 * Vitest global setup: builds dist/ as `pnpm start` does, once per run, so the tests that start
 * the system as a process run the JavaScript that production runs (see `support/system.ts`).
 */
export default async function setup() {
  await promisify(execFile)(process.execPath, ['scripts/build.mjs'], {
    cwd: API_DIR,
    timeout: 120_000,
  });
}
