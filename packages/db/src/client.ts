import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';

export interface ClientOptions {
  /** Largest number of pooled connections this client may hold. */
  maxConnections?: number;
  /** Name shown in `pg_stat_activity`, to tell API, worker and tests apart. */
  applicationName?: string;
}

/**
 * A Prisma client on the `pg` driver (`@prisma/adapter-pg`): no native query engine, real
 * interactive transactions. The caller owns it and must `$disconnect()` it.
 */
export function createPrismaClient(connectionString: string, options: ClientOptions = {}) {
  const adapter = new PrismaPg({
    connectionString,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName ?? 'batchreel',
  });
  return new PrismaClient({ adapter });
}

export type Database = ReturnType<typeof createPrismaClient>;
