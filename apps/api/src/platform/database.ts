import { join } from 'node:path';
import {
  ACCESS_FILE,
  createPrismaClient,
  type Database,
  DataDirUnreachableError,
  migrate,
  PortTakenError,
  startEmbeddedPostgres,
} from '@batchreel/db';
import { ConfigError, DEFAULT_EMBEDDED_PG_PORT, type Env } from '../env';
import type { Logger } from './logger';

/** Where the embedded cluster under DATA_DIR runs, for the start-up banner. */
export interface EmbeddedDatabase {
  dataDir: string;
  port: number;
  /** The default port, when another server had it and the cluster runs on `port` instead. */
  movedFrom: number | null;
}

export interface DatabaseHandle {
  connectionString: string;
  /** Set when the embedded cluster under DATA_DIR serves this process. */
  embedded: EmbeddedDatabase | null;
  db: Database;
  close(): Promise<void>;
}

/**
 * Connects to `DATABASE_URL`, or starts the embedded PostgreSQL under `DATA_DIR` when it is unset,
 * and applies pending migrations before anything else touches the database.
 */
export async function openDatabase(
  env: Pick<Env, 'DATABASE_URL' | 'DATA_DIR' | 'EMBEDDED_PG_PORT'>,
  logger: Logger,
  applicationName: string,
): Promise<DatabaseHandle> {
  let connectionString = env.DATABASE_URL;
  let embedded: EmbeddedDatabase | null = null;
  let stopEmbedded = async () => {};
  if (!connectionString) {
    const pgLog = logger.child({ component: 'postgres' });
    const dataDir = join(env.DATA_DIR, 'postgres');
    let server: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
    try {
      server = await startEmbeddedPostgres({
        dataDir,
        ...(env.EMBEDDED_PG_PORT === undefined
          ? { preferredPort: DEFAULT_EMBEDDED_PG_PORT }
          : { port: env.EMBEDDED_PG_PORT }),
        log: (message) => pgLog.debug(message),
      });
    } catch (error) {
      if (error instanceof DataDirUnreachableError)
        throw new ConfigError(`DATA_DIR: ${error.message}`);
      if (!(error instanceof PortTakenError)) throw error;
      // Only a port set explicitly is refused; the default moves to a free one.
      throw new ConfigError(
        `EMBEDDED_PG_PORT: port ${error.port} is in use by ${
          error.holder ? `another PostgreSQL cluster (${error.holder})` : 'another server'
        }, so the cluster in ${dataDir} cannot use it. Stop that server, choose a free port, ` +
          `or unset EMBEDDED_PG_PORT to have a free one picked and remembered.`,
      );
    }
    logger.info(
      { dataDir, port: server.port, reused: !server.owned },
      'embedded PostgreSQL is running',
    );
    if (server.movedFrom !== null) {
      // Worth a warning when it happens; an old, remembered move is just where the cluster lives.
      logger[server.movedNow ? 'warn' : 'info'](
        {
          port: server.port,
          defaultPort: server.movedFrom,
          ...(server.preferredPortHolder ? { takenBy: server.preferredPortHolder } : {}),
        },
        server.preferredPortHolder === null
          ? `embedded PostgreSQL runs on port ${server.port}, where it moved when port ${server.movedFrom} was taken (remembered in ${dataDir}/${ACCESS_FILE})`
          : `embedded PostgreSQL runs on port ${server.port}: port ${server.movedFrom} is in use by another PostgreSQL cluster (${server.preferredPortHolder}); the new port is remembered in ${dataDir}/${ACCESS_FILE}`,
      );
    }
    embedded = { dataDir, port: server.port, movedFrom: server.movedFrom };
    connectionString = server.connectionString;
    stopEmbedded = () => server.stop();
  }
  const { applied, unknown } = await migrate(connectionString, {
    log: (message) => logger.info({ component: 'migrate' }, message),
  });
  logger.info({ applied: applied.length }, 'database schema is up to date');
  if (unknown.length) {
    logger.warn({ unknown }, 'the database has migrations this release does not know');
  }
  const db = createPrismaClient(connectionString, { applicationName });
  return {
    connectionString,
    embedded,
    db,
    close: async () => {
      await db.$disconnect();
      await stopEmbedded();
    },
  };
}
