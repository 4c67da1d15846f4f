import pg from 'pg';
import { afterAll, beforeAll, expect } from 'vitest';
import { createPrismaClient, type Database } from '../../src/client';
import { findPgError } from '../../src/errors';
import { createTestDatabase, type TestDatabase } from '../../src/testing';

/**
 * A fresh migrated database for a file of guard tests, reached through Prisma (`db`) and plain
 * SQL (`sql`, for writes Prisma would not make); created before the file's tests, dropped after.
 */
export function guardDatabase() {
  let testDb: TestDatabase | undefined;
  const handles = {} as { db: Database; sql: pg.Pool };
  beforeAll(async () => {
    testDb = await createTestDatabase();
    handles.db = createPrismaClient(testDb.connectionString, { maxConnections: 4 });
    handles.sql = new pg.Pool({ connectionString: testDb.connectionString, max: 4 });
  });
  afterAll(async () => {
    await handles.db?.$disconnect();
    await handles.sql?.end();
    await testDb?.drop();
  });
  return handles;
}

/** The refusal PostgreSQL gave, as `{ code, constraint?, message }`. */
export async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, 'the database accepted a write it must refuse').not.toBeNull();
  const pgError = findPgError(error);
  expect(pgError, `not a PostgreSQL refusal: ${String(error)}`).not.toBeNull();
  return pgError as NonNullable<typeof pgError>;
}
