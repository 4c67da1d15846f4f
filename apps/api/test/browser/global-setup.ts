import chromium from '@sparticuz/chromium';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Chromium binary the browser tests drive. */
    chromiumPath: string;
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
  project.provide('chromiumPath', process.env.CHROMIUM_PATH || (await chromium.executablePath()));
}
