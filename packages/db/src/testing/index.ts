import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { withDatabase } from './global-setup';

export * from './factories';
export type { TestDatabaseServer } from './global-setup';
export { withDatabase } from './global-setup';

export interface TestDatabase {
  /** URL of a fresh, fully migrated database that only this caller uses. */
  connectionString: string;
  name: string;
  /** Drops the database (connections are terminated). */
  drop(): Promise<void>;
}

/**
 * Clones the run's migrated template into a new database. Call it once per test file (in
 * `beforeAll`) and `drop()` it in `afterAll`.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { adminConnectionString, templateDatabase, prefix } = inject('batchreelDb');
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await adminQuery(
    adminConnectionString,
    `CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(templateDatabase)}`,
  );
  return {
    name,
    connectionString: withDatabase(adminConnectionString, name),
    drop: () =>
      adminQuery(
        adminConnectionString,
        `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`,
      ),
  };
}

/** The server's admin URL, for tests that create databases of their own (e.g. an empty one). */
export function testServerConnectionString(): string {
  return inject('batchreelDb').adminConnectionString;
}

async function adminQuery(connectionString: string, sql: string) {
  // Cloning fails while another session is connected to the template; concurrent clones of the
  // same template can briefly collide on that check, so retry a few times.
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({ connectionString });
    await client.connect();
    try {
      await client.query(sql);
      return;
    } catch (error) {
      const busy = /is being accessed by other users/.test((error as Error).message);
      if (!busy || attempt >= 20) throw error;
    } finally {
      await client.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
  }
}
