import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type ClusterAccess, writeClusterAccess } from './access';
import type { PostgresBinaries } from './binaries';
import { postgresEnvironment } from './env';

/** The cluster's superuser. */
export const SUPERUSER = 'postgres';

/** The OS user the server runs as when this process is root (PostgreSQL refuses to run as root). */
export interface OsUser {
  uid: number;
  gid: number;
}

async function idOf(flag: '-u' | '-g'): Promise<number> {
  const { stdout } = await promisify(execFile)('id', [flag, 'postgres']);
  return Number.parseInt(stdout, 10);
}

/**
 * As root: the `postgres` OS user, created when the machine has none (a container, say).
 * Otherwise undefined: the server runs as this process's user.
 */
export async function clusterOsUser(): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    return { uid: await idOf('-u'), gid: await idOf('-g') };
  } catch {
    const run = promisify(execFile);
    await run('groupadd', ['-f', 'postgres']);
    await run('useradd', ['-g', 'postgres', 'postgres']);
    return { uid: await idOf('-u'), gid: await idOf('-g') };
  }
}

function runToCompletion(
  command: string,
  args: string[],
  user: OsUser | undefined,
  log: (line: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      ...user,
      cwd: '/',
      env: postgresEnvironment(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      log(chunk.toString().trim());
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} failed (${signal ?? `exit code ${code}`}):\n${output}`));
    });
  });
}

/**
 * Creates a cluster in `dataDir` with its own superuser password, all or nothing: `initdb` runs
 * in a folder beside it, which becomes `dataDir` (by rename) only once the cluster and its access
 * file are complete. An interrupted first start leaves no half cluster behind to trip over.
 */
export async function initialiseCluster(options: {
  binaries: PostgresBinaries;
  dataDir: string;
  access: ClusterAccess;
  user: OsUser | undefined;
  /** Skip initdb's fsync (throw-away clusters). */
  noSync: boolean;
  log: (line: string) => void;
}): Promise<void> {
  const { dataDir, user } = options;
  const staged = `${dataDir}.initdb-${randomBytes(4).toString('hex')}`;
  // initdb reads the password from a file: one only the server's user can read, removed at once.
  const secretDir = await mkdtemp(join(tmpdir(), 'batchreel-initdb-'));
  const passwordFile = join(secretDir, 'password');
  try {
    await writeFile(passwordFile, `${options.access.password}\n`, { mode: 0o600 });
    await mkdir(staged, { mode: 0o700 });
    if (user) {
      await chown(secretDir, user.uid, user.gid);
      await chown(passwordFile, user.uid, user.gid);
      await chown(staged, user.uid, user.gid);
    }
    options.log(`initialising PostgreSQL cluster in ${dataDir}`);
    await runToCompletion(
      options.binaries.initdb,
      [
        `--pgdata=${staged}`,
        `--username=${SUPERUSER}`,
        `--pwfile=${passwordFile}`,
        '--auth=password',
        '--encoding=UTF8',
        // The same text rules on every machine, whatever locales it has installed.
        '--locale=C',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
        ...(options.noSync ? ['--no-sync'] : []),
      ],
      user,
      options.log,
    );
    await writeClusterAccess(staged, options.access);
    // An empty directory (e.g. from mkdtemp) is replaced; anything else is not overwritten.
    await rename(staged, dataDir).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      // Another process of this checkout created the cluster meanwhile: that one is used.
      if (existsSync(join(dataDir, 'PG_VERSION'))) return;
      throw new Error(`${dataDir} is not empty but holds no PostgreSQL cluster (no PG_VERSION)`);
    });
  } finally {
    await rm(secretDir, { recursive: true, force: true });
    await rm(staged, { recursive: true, force: true });
  }
}

/** Why a server did not start: its own words, and whether its port was the reason. */
export class PostmasterStartError extends Error {
  override name = 'PostmasterStartError';
  constructor(
    message: string,
    readonly portInUse: boolean,
    readonly directoryLocked: boolean,
  ) {
    super(message);
  }
}

/**
 * Starts the server on `dataDir` and resolves once it accepts connections. The server is a child
 * of this process; it rejects with the server's own output if the server exits first.
 */
export function startPostmaster(options: {
  binaries: PostgresBinaries;
  dataDir: string;
  port: number;
  flags: string[];
  user: OsUser | undefined;
  log: (line: string) => void;
}): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      options.binaries.postgres,
      ['-D', options.dataDir, '-p', String(options.port), '-c', 'lc_messages=C', ...options.flags],
      {
        ...options.user,
        cwd: '/',
        env: postgresEnvironment(),
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let output = '';
    let ready = false;
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      options.log(text.trim());
      if (ready) return;
      output += text;
      if (output.includes('database system is ready to accept connections')) {
        ready = true;
        output = '';
        resolve(child);
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (ready) return;
      reject(
        new PostmasterStartError(
          `PostgreSQL in ${options.dataDir} did not start on port ${options.port} ` +
            `(${signal ?? `exit code ${code}`}):\n${output.trim()}`,
          /Address already in use/.test(output),
          /lock file "postmaster\.pid" already exists/.test(output),
        ),
      );
    });
  });
}

/** Fast shutdown (SIGINT: sessions are cut, nothing is lost); resolves once the server is gone. */
export function stopPostmaster(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}

/**
 * The server that holds the lock on `dataDir` right now, from its `postmaster.pid`: another
 * process of this checkout started it (or one that was killed left it running).
 */
export async function runningPostmaster(
  dataDir: string,
): Promise<{ pid: number; port: number } | null> {
  let lines: string[];
  try {
    lines = (await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return null;
  }
  const pid = Number.parseInt(lines[0] ?? '', 10);
  const port = Number.parseInt(lines[3] ?? '', 10);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return null;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive, but another user's (the `postgres` user's, say).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  return { pid, port };
}
