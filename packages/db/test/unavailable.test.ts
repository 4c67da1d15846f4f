import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type Database } from '../src/client';
import { isDatabaseUnavailable } from '../src/errors';
import { createTestDatabase, type TestDatabase } from '../src/testing';

/** A port nothing listens on: bound, read, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the query to fail');
    },
    (error: unknown) => error,
  );

describe('isDatabaseUnavailable', () => {
  let testDb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = createPrismaClient(testDb.connectionString, { maxConnections: 2 });
  });
  afterAll(async () => {
    await db?.$disconnect();
    await testDb?.drop();
  });

  it('recognises Prisma failing to reach a server', async () => {
    const url = new URL(testDb.connectionString);
    url.port = String(await closedPort());
    const unreachable = createPrismaClient(url.toString(), { maxConnections: 1 });
    try {
      expect(isDatabaseUnavailable(await failure(unreachable.$queryRaw`SELECT 1`))).toBe(true);
    } finally {
      await unreachable.$disconnect();
    }
  });

  it('recognises a connection the server terminated (a restart) under pg and under Prisma', async () => {
    const victim = new pg.Client({ connectionString: testDb.connectionString });
    await victim.connect();
    victim.on('error', () => {}); // the termination is also emitted on the idle client
    const { rows } = await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const admin = new pg.Client({ connectionString: testDb.connectionString });
    await admin.connect();
    try {
      const sleeping = failure(victim.query('SELECT pg_sleep(30)'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
      expect(isDatabaseUnavailable(await sleeping)).toBe(true);

      const prismaSleeping = failure(db.$queryRaw`SELECT pg_sleep(31)`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const killed = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE query LIKE '%pg_sleep(31)%' AND pid <> pg_backend_pid()`,
      );
      expect(killed.rowCount).toBe(1);
      expect(isDatabaseUnavailable(await prismaSleeping)).toBe(true);
    } finally {
      await admin.end();
      await victim.end().catch(() => {});
    }
  });

  it('recognises a transaction whose connection was terminated between two statements', async () => {
    const admin = new pg.Client({ connectionString: testDb.connectionString });
    await admin.connect();
    try {
      const error = await failure(
        db.$transaction(async (tx) => {
          const [own] = await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
          await admin.query('SELECT pg_terminate_backend($1)', [own?.pid]);
          await new Promise((resolve) => setTimeout(resolve, 200));
          await tx.$queryRaw`SELECT 1`;
        }),
      );
      // pg's words for a client used after its connection broke, with no code attached.
      expect((error as Error).message).toMatch(/not queryable|Connection terminated/);
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      await admin.end();
    }
  });

  it('does not mistake a refused query or a domain error for an outage', async () => {
    expect(isDatabaseUnavailable(await failure(db.$queryRaw`SELECT * FROM no_such_table`))).toBe(
      false,
    );
    expect(isDatabaseUnavailable(await failure(db.$queryRaw`SELECT 1/0`))).toBe(false);
    expect(isDatabaseUnavailable(new Error('Insufficient credits'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
