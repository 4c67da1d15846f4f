/**
 * `@batchreel/db`: the data model (Prisma), its migrations and runner, the client factory and the
 * embedded PostgreSQL used when no `DATABASE_URL` is given.
 */
export { type ClientOptions, createPrismaClient, type Database } from './client';
export {
  ACCESS_FILE,
  DataDirUnreachableError,
  type EmbeddedPostgresOptions,
  ensureDatabase,
  ForeignClusterError,
  freePort,
  PortTakenError,
  type RunningPostgres,
  startEmbeddedPostgres,
} from './embedded';
export * from './errors';
export { Prisma, PrismaClient } from './generated/prisma/client';
export * from './generated/prisma/enums';
export type * from './generated/prisma/models';
export {
  type MigrateOptions,
  type MigrateResult,
  type MigrationFile,
  migrate,
  readMigrations,
} from './migrate/runner';
export { MIGRATIONS_DIR, SCHEMA_PATH } from './paths';
