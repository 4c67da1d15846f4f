import { type BatchMoney, batchMoney } from '@batchreel/billing';
import { type Database, Prisma } from '@batchreel/db';

type Db = Database | Prisma.TransactionClient;

/** What `batchMoney` needs, as one SQL statement reads it (one snapshot: figures that add up). */
export type MoneyColumns = {
  frozen: number;
  spent: number;
  refunded: number;
  settled: boolean;
  succeeded_cost: number;
  refunded_so_far: number;
};

/** SQL for the money columns of batch `b` (joined as `b`), beside whatever else is selected. */
export const moneyColumns = (succeededCost: Prisma.Sql, refundedSoFar: Prisma.Sql) => Prisma.sql`
  b.frozen_credits AS frozen, b.credits_spent AS spent, b.refunded_credits AS refunded,
  b.settled_at IS NOT NULL AS settled, ${succeededCost} AS succeeded_cost,
  ${refundedSoFar} AS refunded_so_far`;

/** Σ of batch `b`'s refund rows: one range of the `credit_ledger (ref_id)` index. */
export const refundsOfBatch = Prisma.sql`(SELECT COALESCE(SUM(l.credits_delta), 0)::int FROM credit_ledger l
                                     WHERE l.ref_id = b.id AND l.ref_type = 'batch_refund')`;

export type SettledMoney = BatchMoney & { settled: boolean };

export const toMoney = (m: MoneyColumns): SettledMoney => ({
  ...batchMoney({
    frozenCredits: m.frozen,
    succeededCost: m.succeeded_cost,
    refundedSoFar: m.refunded_so_far,
    settled: m.settled ? { creditsSpent: m.spent, refundedCredits: m.refunded } : undefined,
  }),
  settled: m.settled,
});

/**
 * A batch's money figures now (`batchMoney` in packages/billing): the settled figures once
 * settled; while it runs, what its succeeded tasks cost and what the ledger has refunded so far.
 * Null for an unknown batch.
 */
export async function readBatchMoney(db: Db, batchId: string): Promise<SettledMoney | null> {
  const [row] = await db.$queryRaw<MoneyColumns[]>`
    SELECT ${moneyColumns(
      Prisma.sql`(SELECT COALESCE(SUM(t.cost_credits), 0)::int FROM video_tasks t
                   WHERE t.batch_id = b.id AND t.status = 'succeeded')`,
      refundsOfBatch,
    )}
      FROM batch_jobs b WHERE b.id = ${batchId}::uuid`;
  return row ? toMoney(row) : null;
}
