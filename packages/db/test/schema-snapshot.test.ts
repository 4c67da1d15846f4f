import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { schemaSnapshot } from '../src/schema-snapshot';
import { createTestDatabase, type TestDatabase } from '../src/testing';

/**
 * The migrations must build exactly the schema checked in as `schema.snapshot.sql`: a migration
 * that changes a table, a guard, a function or a trigger changes that file too, in the same
 * commit, where review sees it. After a deliberate change:
 * `pnpm --filter @batchreel/db schema:snapshot`.
 */
let database: TestDatabase;
let client: pg.Client;
beforeAll(async () => {
  database = await createTestDatabase();
  client = new pg.Client({ connectionString: database.connectionString });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await database?.drop();
});

it('the migrations build exactly the checked-in schema (functions and triggers included)', async () => {
  await expect(await schemaSnapshot(client)).toMatchFileSnapshot('../schema.snapshot.sql');
});
