import { type BatchMoney, batchMoney } from '@batchreel/billing';
import { type Database, Prisma } from '@batchreel/db';
import type { z } from 'zod';
import { decodeCursor, encodeCursor } from '../http/cursor';
import { isUuid } from '../platform/ids';
import type { BatchView, TaskListQuerySchema, TaskSchema } from './schemas';

type Task = z.infer<typeof TaskSchema>;
type Db = Database | Prisma.TransactionClient;
const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** What `batchMoney` needs, as one SQL statement reads it (one snapshot: figures that add up). */
type MoneyColumns = {
  frozen: number;
  spent: number;
  refunded: number;
  settled: boolean;
  succeeded_cost: number;
  refunded_so_far: number;
};

/** SQL for the money columns of batch `b` (joined as `b`), beside whatever else is selected. */
const moneyColumns = (succeededCost: Prisma.Sql, refundedSoFar: Prisma.Sql) => Prisma.sql`
  b.frozen_credits AS frozen, b.credits_spent AS spent, b.refunded_credits AS refunded,
  b.settled_at IS NOT NULL AS settled, ${succeededCost} AS succeeded_cost,
  ${refundedSoFar} AS refunded_so_far`;

/** Σ of batch `b`'s refund rows: one range of the `credit_ledger (ref_id)` index. */
const refundsOfBatch = Prisma.sql`(SELECT COALESCE(SUM(l.credits_delta), 0)::int FROM credit_ledger l
                                     WHERE l.ref_id = b.id AND l.ref_type = 'batch_refund')`;

type SettledMoney = BatchMoney & { settled: boolean };

const toMoney = (m: MoneyColumns): SettledMoney => ({
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

/**
 * One batch of one account (another account's batch is simply not found). Counts and money come
 * from the tasks and the ledger themselves, so they are current while the batch runs, not only
 * after settlement, and always add up (`batchMoney`). Works inside a transaction too (webhook
 * events snapshot the batch as their transaction sees it).
 */
export async function getBatch(
  db: Db,
  accountId: string,
  batchId: string,
): Promise<BatchView | null> {
  if (!isUuid(batchId)) return null;
  const batch = await db.batchJob.findFirst({ where: { id: batchId, accountId } });
  if (!batch) return null;
  // Counts and money in one statement, so they describe the same moment; the refunds are summed
  // once, not per group.
  const groups = await db.$queryRaw<
    ({ status: string; model: string; cost: number; count: number } & MoneyColumns)[]
  >`
    WITH refunds AS MATERIALIZED (
      SELECT ${refundsOfBatch} AS sum FROM batch_jobs b WHERE b.id = ${batchId}::uuid)
    SELECT t.status::text, t.model, t.cost_credits AS cost, count(*)::int AS count,
           ${moneyColumns(Prisma.sql`0`, Prisma.sql`refunds.sum`)}
      FROM video_tasks t JOIN batch_jobs b ON b.id = t.batch_id CROSS JOIN refunds
     WHERE t.batch_id = ${batchId}::uuid
     GROUP BY t.status, t.model, t.cost_credits, b.id, refunds.sum`;

  const byStatus = new Map<string, number>();
  const byModel = new Map<
    string,
    { model: string; count: number; price_credits: number; subtotal_credits: number }
  >();
  for (const g of groups) {
    byStatus.set(g.status, (byStatus.get(g.status) ?? 0) + g.count);
    const key = `${g.model}\u0000${g.cost}`;
    const line = byModel.get(key) ?? {
      model: g.model,
      count: 0,
      price_credits: g.cost,
      subtotal_credits: 0,
    };
    line.count += g.count;
    line.subtotal_credits += g.count * g.cost;
    byModel.set(key, line);
  }
  const count = (status: string) => byStatus.get(status) ?? 0;
  const finished = count('succeeded') + count('failed') + count('canceled');
  const succeededCost = groups
    .filter((g) => g.status === 'succeeded')
    .reduce((sum, g) => sum + g.count * g.cost, 0);
  const [first] = groups;
  const money = first
    ? toMoney({ ...first, succeeded_cost: succeededCost })
    : await readBatchMoney(db, batchId);
  if (!money) return null;

  return {
    ok: true,
    batch_id: batch.id,
    request_id: batch.requestId,
    status: batch.status,
    total_count: batch.totalCount,
    success_count: count('succeeded'),
    failed_count: count('failed'),
    canceled_count: count('canceled'),
    pending_count: batch.totalCount - finished,
    cost_per_video: batch.costPerVideo,
    required_credits: batch.requiredCredits,
    frozen_credits: money.frozenCredits,
    credits_spent: money.creditsSpent,
    refunded_credits: money.refundedCredits,
    pending_credits: money.pendingCredits,
    net_spent_credits: money.netSpentCredits,
    settlement_status: batch.settlementStatus,
    breakdown: [...byModel.values()].sort((a, b) => a.model.localeCompare(b.model)),
    webhook_url: batch.webhookUrl,
    metadata: (batch.metadata as Record<string, string> | null) ?? null,
    created_at: batch.createdAt.toISOString(),
    started_at: iso(batch.startedAt),
    finished_at: iso(batch.finishedAt),
    settled_at: iso(batch.settledAt),
  };
}

export type TaskPage = { data: Task[]; has_more: boolean; next_cursor: string | null };

/**
 * A page of a batch's tasks in `batch_index` order, optionally of one status. Returns null when
 * the batch is not this account's, and `'bad_cursor'` for a cursor we did not issue.
 */
export async function listTasks(
  db: Database,
  accountId: string,
  batchId: string,
  query: z.infer<typeof TaskListQuerySchema>,
  /** The admin's link to one task (from its ledger row): only that task. */
  only: { taskId?: string } = {},
): Promise<TaskPage | null | 'bad_cursor'> {
  if (!isUuid(batchId)) return null;
  const owned = await db.batchJob.findFirst({
    where: { id: batchId, accountId },
    select: { id: true },
  });
  if (!owned) return null;
  let after = -1;
  if (query.cursor !== undefined) {
    const position = decodeCursor(query.cursor);
    // batch_index is an int4 below the item limit; anything else is not a cursor we issued.
    if (
      typeof position !== 'number' ||
      !Number.isInteger(position) ||
      position < 0 ||
      position > 2_147_483_647
    ) {
      return 'bad_cursor';
    }
    after = position;
  }
  const rows = await db.videoTask.findMany({
    where: {
      batchId,
      accountId,
      batchIndex: { gt: after },
      ...(query.status ? { status: query.status } : {}),
      ...(only.taskId ? { id: only.taskId } : {}),
    },
    orderBy: { batchIndex: 'asc' },
    take: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  // Which of these tasks got their price back: one probe each of the one-refund-per-task index.
  const refunds =
    page.length === 0
      ? []
      : await db.$queryRaw<{ task_id: string }[]>`
          SELECT task_id FROM credit_ledger
           WHERE ref_type = 'batch_refund' AND task_id = ANY(${page.map((t) => t.id)}::uuid[])`;
  const refunded = new Set(refunds.map((r) => r.task_id));
  return {
    data: page.map((t) => ({
      task_id: t.id,
      batch_index: t.batchIndex,
      prompt: t.prompt,
      model: t.model,
      parameters: t.parameters as { seconds: number; size: string },
      status: t.status,
      attempts: t.attempts,
      cost_credits: t.costCredits,
      refunded: refunded.has(t.id),
      video_url: t.videoUrl,
      error_code: t.errorCode,
      error_message: t.errorMessage,
      created_at: t.createdAt.toISOString(),
      started_at: iso(t.startedAt),
      finished_at: iso(t.finishedAt),
    })),
    has_more: rows.length > query.limit,
    next_cursor: rows.length > query.limit && last ? encodeCursor(last.batchIndex) : null,
  };
}
