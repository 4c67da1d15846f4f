import type { BudgetEnforcement, BudgetScope } from '@batchreel/contracts';
import { type Database, Prisma } from '@batchreel/db';
import { HOLDS_RESERVATION } from '../ledger/availability';
import type { Period } from './periods';

type Db = Database | Prisma.TransactionClient;

/** A budget as the core reads it (`budgets`). */
export interface Budget {
  id: string;
  accountId: string;
  scope: BudgetScope;
  projectId: string | null;
  apiKeyId: string | null;
  /** Only this model's videos count; null: every model. */
  model: string | null;
  capCredits: number;
  enforcement: BudgetEnforcement;
  thresholdPercents: number[];
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

/** The batches a budget counts: its account's, of its project or key, admitted in the period. */
function scopeFilter(budget: Budget, period: Period) {
  return Prisma.sql`b.account_id = ${budget.accountId}::uuid
    AND b.created_at >= ${period.start} AND b.created_at < ${period.end}
    ${budget.projectId ? Prisma.sql`AND b.project_id = ${budget.projectId}::uuid` : Prisma.empty}
    ${budget.apiKeyId ? Prisma.sql`AND b.api_key_id = ${budget.apiKeyId}::uuid` : Prisma.empty}`;
}

/**
 * What a budget's scope has committed in a month: for every batch it counts (admitted in that
 * month, in the account's time zone) the credits still held for it — reserved while it waits,
 * then charged minus refunded (what is frozen for running tasks included). So a refund gives the
 * budget back, a canceled batch that never started holds nothing, and the figure never depends on
 * when a worker got round to a batch. Per-model budgets count the unrefunded tasks of that model
 * (a task is refunded exactly when it ends failed or canceled, in the same transaction).
 *
 * Read under the account row lock by admission, so concurrent admissions see each other.
 */
export async function budgetUsage(db: Db, budget: Budget, period: Period): Promise<number> {
  if (budget.model) {
    const [row] = await db.$queryRaw<{ used: number }[]>`
      SELECT COALESCE(SUM(t.cost_credits), 0)::int AS used
        FROM batch_jobs b JOIN video_tasks t ON t.batch_id = b.id
       WHERE ${scopeFilter(budget, period)}
         AND t.model = ${budget.model} AND t.status NOT IN ('failed', 'canceled')`;
    return row?.used ?? 0;
  }
  const [row] = await db.$queryRaw<{ used: number }[]>`
    SELECT COALESCE(SUM(CASE
             WHEN ${HOLDS_RESERVATION} THEN b.required_credits
             WHEN b.settlement_status <> 'pending' THEN b.frozen_credits - b.refunded_credits
             ELSE b.frozen_credits - COALESCE((
               SELECT SUM(l.credits_delta) FROM credit_ledger l
                WHERE l.ref_id = b.id AND l.ref_type = 'batch_refund'), 0)
           END), 0)::int AS used
      FROM batch_jobs b
     WHERE ${scopeFilter(budget, period)}`;
  return row?.used ?? 0;
}

/**
 * Committed credits of a budget per day of the month (the account's calendar), cumulative: what
 * the admin's month-to-date chart draws against the cap.
 */
export async function dailyUsage(
  db: Db,
  budget: Budget,
  period: Period,
): Promise<{ day: string; usedCredits: number }[]> {
  const committed = budget.model
    ? Prisma.sql`(SELECT COALESCE(SUM(t.cost_credits), 0) FROM video_tasks t
                   WHERE t.batch_id = b.id AND t.model = ${budget.model}
                     AND t.status NOT IN ('failed', 'canceled'))`
    : Prisma.sql`CASE
             WHEN ${HOLDS_RESERVATION} THEN b.required_credits
             WHEN b.settlement_status <> 'pending' THEN b.frozen_credits - b.refunded_credits
             ELSE b.frozen_credits - COALESCE((
               SELECT SUM(l.credits_delta) FROM credit_ledger l
                WHERE l.ref_id = b.id AND l.ref_type = 'batch_refund'), 0)
           END`;
  const rows = await db.$queryRaw<{ day: string; used: number }[]>`
    SELECT to_char(b.created_at AT TIME ZONE ${period.timeZone}, 'YYYY-MM-DD') AS day,
           SUM(${committed})::int AS used
      FROM batch_jobs b
     WHERE ${scopeFilter(budget, period)}
     GROUP BY 1 ORDER BY 1`;
  let running = 0;
  return rows.map((row) => {
    running += row.used;
    return { day: row.day, usedCredits: running };
  });
}
