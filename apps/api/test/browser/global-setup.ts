import { rm } from 'node:fs/promises';
import chromium from '@sparticuz/chromium';
import type { TestProject } from 'vitest/node';
import { buildAdminApp } from './support';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Chromium binary the browser tests drive. */
    chromiumPath: string;
    /** The admin SPA built from the sources under test, once for the whole run. */
    adminAssetsDir: string;
  }
}

/**
 * The browser comes from the npm registry like every other dependency: `@sparticuz/chromium`
 * ships a headless Chromium (x64 Linux) as a compressed file, which `executablePath()` unpacks
 * into the temporary directory on first use (a second later and on every later run it only
 * checks that it is there). Unpacking it once here, before any test file starts, keeps two
 * browser test files from unpacking it at the same moment. `CHROMIUM_PATH` picks another build
 * (a system Chromium, say) instead.
 */
export default async function setup(project: TestProject) {
  const [chromiumPath, adminAssetsDir] = await Promise.all([
    process.env.CHROMIUM_PATH || chromium.executablePath(),
    buildAdminApp(),
  ]);
  project.provide('chromiumPath', chromiumPath);
  project.provide('adminAssetsDir', adminAssetsDir);
  return () => rm(adminAssetsDir, { recursive: true, force: true });
}
