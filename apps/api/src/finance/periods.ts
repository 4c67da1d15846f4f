import type { Database, Prisma } from '@batchreel/db';

type Db = Database | Prisma.TransactionClient;

/** A calendar month of an account: `YYYY-MM` in its time zone, and the instants it spans. */
export interface Period {
  /** `YYYY-MM`. */
  month: string;
  timeZone: string;
  /** First instant of the month in the time zone (inclusive). */
  start: Date;
  /** First instant of the next month (exclusive). */
  end: Date;
}

export const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

/**
 * The month `month` (or, without one, the month the database's clock is in) as the account's
 * time zone reads the calendar. Computed by PostgreSQL, whose clock also stamps batches and ledger
 * rows, so "this month" and the rows it counts come from one clock, and daylight-saving shifts
 * follow its time zone database.
 */
export async function periodOf(db: Db, timeZone: string, month?: string): Promise<Period> {
  const [row] = await db.$queryRaw<{ month: string; start: Date; end: Date }[]>`
    WITH m AS (
      SELECT coalesce(${month ?? null}::text, to_char(now() AT TIME ZONE ${timeZone}, 'YYYY-MM')) AS month
    )
    SELECT m.month,
           (m.month || '-01')::timestamp AT TIME ZONE ${timeZone} AS start,
           ((m.month || '-01')::date + interval '1 month')::timestamp AT TIME ZONE ${timeZone} AS "end"
      FROM m`;
  if (!row) throw new Error('no period');
  return { month: row.month, timeZone, start: row.start, end: row.end };
}

/** The account's time zone (`accounts.time_zone`); null for an unknown account. */
export async function accountTimeZone(db: Db, accountId: string): Promise<string | null> {
  const account = await db.account.findUnique({
    where: { id: accountId },
    select: { timeZone: true },
  });
  return account?.timeZone ?? null;
}

/** Whether PostgreSQL knows the time zone name (the one it will compute months with). */
export async function isKnownTimeZone(db: Db, timeZone: string): Promise<boolean> {
  const [row] = await db.$queryRaw<{ known: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = ${timeZone}) AS known`;
  return row?.known === true;
}
