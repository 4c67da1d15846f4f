import { join } from 'node:path';
import { createPrismaClient, type Database, migrate, startEmbeddedPostgres } from '@batchreel/db';
import type { Env } from '../env';
import type { Logger } from './logger';

export interface DatabaseHandle {
  connectionString: string;
  /** True when the embedded cluster under DATA_DIR serves this process. */
  embedded: boolean;
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
  let stopEmbedded = async () => {};
  if (!connectionString) {
    const pgLog = logger.child({ component: 'postgres' });
    const dataDir = join(env.DATA_DIR, 'postgres');
    const server = await startEmbeddedPostgres({
      dataDir,
      port: env.EMBEDDED_PG_PORT,
      log: (message) => pgLog.debug(message),
    });
    logger.info(
      { dataDir, port: server.port, reused: !server.owned },
      'embedded PostgreSQL is running',
    );
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
    embedded: !env.DATABASE_URL,
    db,
    close: async () => {
      await db.$disconnect();
      await stopEmbedded();
    },
  };
}
