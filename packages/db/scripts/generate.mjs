// Generates the Prisma client into src/generated/prisma (run by the workspace's postinstall).
//
// Every `prisma` CLI command first resolves the native schema engine and tries to download it,
// which cannot work on machines that reach only the npm registry. `generate` never uses that
// engine, so pointing PRISMA_SCHEMA_ENGINE_BINARY at any executable lets it run offline.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const result = spawnSync('prisma', ['generate'], {
  cwd: packageDir,
  stdio: 'inherit',
  shell: process.platform === 'win32',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
  },
});
process.exit(result.status ?? 1);
