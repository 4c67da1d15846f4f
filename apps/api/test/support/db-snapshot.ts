import type { Database } from '@batchreel/db';
import { expect } from 'vitest';

/**
 * Row counts of every application table, plus pg-boss jobs and the account balances: enough to
 * prove that a refused request wrote nothing of any kind.
 */
export async function snapshotDatabase(db: Database) {
  const tables = await db.$queryRaw<{ table: string; rows: bigint }[]>`
    SELECT format('%I.%I', schemaname, relname) AS table, 0::bigint AS rows
      FROM pg_stat_user_tables
     WHERE schemaname = 'public' AND relname <> '_prisma_migrations'
     ORDER BY 1`;
  const counts: Record<string, number> = {};
  for (const { table } of tables) {
    const [{ count }] = (await db.$queryRawUnsafe<{ count: bigint }[]>(
      `SELECT count(*) AS count FROM ${table}`,
    )) as [{ count: bigint }];
    counts[table] = Number(count);
  }
  const [{ jobs }] = (await db.$queryRaw<
    { jobs: bigint }[]
  >`SELECT count(*) AS jobs FROM pgboss.job`) as [{ jobs: bigint }];
  counts['pgboss.job'] = Number(jobs);
  const balances = await db.account.findMany({
    select: { id: true, balance: true },
    orderBy: { id: 'asc' },
  });
  return { counts, balances };
}

/** Asserts that nothing was written since `before` (same row counts, jobs and balances). */
export async function expectNothingWritten(
  db: Database,
  before: Awaited<ReturnType<typeof snapshotDatabase>>,
) {
  const after = await snapshotDatabase(db);
  expect(after).toEqual(before);
}
