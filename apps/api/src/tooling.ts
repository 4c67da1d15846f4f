// What the repository's tooling outside the product (the chaos run in tooling/chaos, the sales
// demo in tooling/demo) may use of this package: `@batchreel/api/tooling`. Tooling runs the real
// system as processes and talks to it over HTTP; the few things it needs beyond that are here, so
// that nothing else of src/ is reached from outside and this file lists every such use.
import { fileURLToPath } from 'node:url';

const API_DIR = fileURLToPath(new URL('..', import.meta.url));
const MAIN_SOURCE = fileURLToPath(new URL('./main.ts', import.meta.url));

/** How to start one process of the system. */
export interface SystemCommand {
  command: string;
  args: string[];
  /** The API package's folder: `tsx` and the package's dependencies resolve from there. */
  cwd: string;
}

/**
 * The command line of one system process run from its TypeScript sources (`src/main.ts` through
 * tsx, the entry `pnpm dev` runs), e.g. `['--role', 'worker']`. The process reads its
 * configuration from the environment it is given, as any start does.
 */
export function systemCommand(args: readonly string[] = []): SystemCommand {
  return {
    command: process.execPath,
    args: ['--import', 'tsx', MAIN_SOURCE, ...args],
    cwd: API_DIR,
  };
}

/** The service function that issues an account's API key (`pnpm --filter @batchreel/api api-keys`). */
export { createApiKey } from './accounts/api-keys';
/** Credits granted by a process (a chaos run's finance clerk, a bench), through the one write path. */
export { grantCredits } from './ledger/grant';
/** Every money invariant over the whole database, as `pnpm ledger:verify` checks it. */
export { checkIntegrity } from './ledger/integrity';
