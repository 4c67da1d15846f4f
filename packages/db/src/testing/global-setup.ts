import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../embedded';
import { migrate } from '../migrate/runner';
import { testEnv } from './env';

/** What the global setup hands to every test file (see `createTestDatabase`). */
export interface TestDatabaseServer {
  /** URL of a database on the server from which CREATE/DROP DATABASE can be issued. */
  adminConnectionString: string;
  /** Migrated database that test databases are cloned from. */
  templateDatabase: string;
  /** Prefix of every database this run creates, so teardown can find them. */
  prefix: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    batchreelDb: TestDatabaseServer;
  }
}

/** Replaces the database name in a PostgreSQL URL. */
export function withDatabase(connectionString: string, database: string): string {
  const url = new URL(connectionString);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Vitest global setup: one PostgreSQL server per test run, one migrated template database on it.
 * Each test file then clones the template (`CREATE DATABASE ... TEMPLATE`, milliseconds) so files
 * run in parallel without sharing rows, and nothing is mocked.
 */
export default async function setup(project: TestProject) {
  const prefix = `bt_${process.pid}_${Date.now().toString(36)}`;
  let adminConnectionString: string;
  let stopServer = async () => {};
  if (testEnv.databaseUrl) {
    adminConnectionString = testEnv.databaseUrl;
  } else {
    const dataDir = await mkdtemp(join(tmpdir(), 'batchreel-test-pg-'));
    const server = await startEmbeddedPostgres({ dataDir, ephemeral: true, database: 'postgres' });
    adminConnectionString = server.adminConnectionString;
    stopServer = async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
  }

  const templateDatabase = `${prefix}_template`;
  const admin = new pg.Client({ connectionString: adminConnectionString });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(templateDatabase)}`);
  } finally {
    await admin.end();
  }
  await migrate(withDatabase(adminConnectionString, templateDatabase));
  project.provide('batchreelDb', { adminConnectionString, templateDatabase, prefix });

  return async () => {
    if (!testEnv.keepDatabases) await dropDatabases(adminConnectionString, prefix);
    await stopServer();
  };
}

async function dropDatabases(adminConnectionString: string, prefix: string) {
  const admin = new pg.Client({ connectionString: adminConnectionString });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
      [prefix],
    );
    for (const { datname } of rows) {
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}
