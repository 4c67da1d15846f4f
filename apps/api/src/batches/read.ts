import { type BatchMoney, batchMoney } from '@batchreel/billing';
import { type Database, Prisma } from '@batchreel/db';
import type { z } from 'zod';
import { decodeCursor, encodeCursor } from '../http/cursor';
import { type IdPrefixRange, idPrefixRange, isUuid } from '../platform/ids';
import { batchWebhookDeliveries } from '../webhooks/batch-deliveries';
import type {
  BatchListQuerySchema,
  BatchSummarySchema,
  BatchView,
  TaskListQuerySchema,
  TaskSchema,
} from './schemas';

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
    ...summaryMoney(money),
    settlement_status: batch.settlementStatus,
    breakdown: [...byModel.values()].sort((a, b) => a.model.localeCompare(b.model)),
    webhook_url: batch.webhookUrl,
    metadata: (batch.metadata as Record<string, string> | null) ?? null,
    created_at: batch.createdAt.toISOString(),
    started_at: iso(batch.startedAt),
    finished_at: iso(batch.finishedAt),
    settled_at: iso(batch.settledAt),
    webhook_deliveries: await batchWebhookDeliveries(db, accountId, batchId),
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

type BatchSummary = z.infer<typeof BatchSummarySchema>;

/** A batch's money figures under their REST names. */
const summaryMoney = (money: SettledMoney) => ({
  frozen_credits: money.frozenCredits,
  credits_spent: money.creditsSpent,
  refunded_credits: money.refundedCredits,
  pending_credits: money.pendingCredits,
  net_spent_credits: money.netSpentCredits,
});

interface BatchListRow extends MoneyColumns {
  id: string;
  request_id: string | null;
  status: BatchSummary['status'];
  settlement_status: BatchSummary['settlement_status'];
  total_count: number;
  success_count: number;
  failed_count: number;
  canceled_count: number;
  cost_per_video: number | null;
  required_credits: number;
  webhook_url: string | null;
  metadata: Record<string, string> | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  settled_at: Date | null;
}

/**
 * The statement behind {@link listBatches} (exported so a test can EXPLAIN it on a large table).
 */
export function batchListStatement(filter: {
  accountId: string;
  range?: IdPrefixRange | undefined;
  status?: BatchSummary['status'] | undefined;
  before?: { createdAt: Date; id: string } | undefined;
  limit: number;
}): Prisma.Sql {
  const { range, before } = filter;
  const conditions = [
    Prisma.sql`b.account_id = ${filter.accountId}::uuid`,
    range ? Prisma.sql`b.id BETWEEN ${range.lowest}::uuid AND ${range.highest}::uuid` : null,
    filter.status ? Prisma.sql`b.status = ${filter.status}::batch_status` : null,
    before ? Prisma.sql`(b.created_at, b.id) < (${before.createdAt}, ${before.id}::uuid)` : null,
  ].filter((c): c is Prisma.Sql => c !== null);
  return Prisma.sql`
    SELECT b.id, b.request_id, b.status::text AS status,
           b.settlement_status::text AS settlement_status, b.total_count,
           COALESCE(live.succeeded, b.success_count) AS success_count,
           COALESCE(live.failed, b.failed_count) AS failed_count,
           COALESCE(live.canceled, b.canceled_count) AS canceled_count,
           b.cost_per_video, b.required_credits, b.webhook_url, b.metadata,
           b.created_at, b.started_at, b.finished_at, b.settled_at,
           ${moneyColumns(
             Prisma.sql`COALESCE(live.succeeded_cost, 0)`,
             Prisma.sql`CASE WHEN b.settled_at IS NULL THEN ${refundsOfBatch} ELSE 0 END`,
           )}
      FROM batch_jobs b
      -- Counted only while the batch runs; a settled batch keeps its settled figures.
      LEFT JOIN LATERAL (
        SELECT count(*) FILTER (WHERE t.status = 'succeeded')::int AS succeeded,
               count(*) FILTER (WHERE t.status = 'failed')::int AS failed,
               count(*) FILTER (WHERE t.status = 'canceled')::int AS canceled,
               COALESCE(SUM(t.cost_credits) FILTER (WHERE t.status = 'succeeded'), 0)::int
                 AS succeeded_cost
          FROM video_tasks t
         WHERE t.batch_id = b.id AND b.settled_at IS NULL) live ON b.settled_at IS NULL
     WHERE ${Prisma.join(conditions, ' AND ')}
     ORDER BY b.created_at DESC, b.id DESC
     LIMIT ${filter.limit + 1}`;
}

/**
 * A page of the account's batches, newest first (keyset on `created_at, id`, served by the index
 * `batch_jobs (account_id, created_at DESC, id DESC)`). `id_prefix` turns into a range of the
 * primary key (see `idPrefixRange`), so a short id is found without reading every batch. Counts
 * are live for batches not yet settled and the settled figures afterwards, like a single read.
 */
export async function listBatches(
  db: Database,
  accountId: string,
  query: z.infer<typeof BatchListQuerySchema>,
): Promise<{ data: BatchSummary[]; has_more: boolean; next_cursor: string | null } | 'bad_cursor'> {
  let before: { createdAt: Date; id: string } | undefined;
  if (query.cursor !== undefined) {
    const position = decodeCursor(query.cursor);
    const [time, id] = typeof position === 'string' ? position.split('|') : [];
    const createdAt = new Date(time ?? '');
    if (!id || !isUuid(id) || Number.isNaN(createdAt.getTime())) return 'bad_cursor';
    before = { createdAt, id };
  }
  const range = query.id_prefix === undefined ? undefined : idPrefixRange(query.id_prefix);
  // The schema refused a malformed prefix already; this only narrows the type.
  if (range && 'problem' in range) return { data: [], has_more: false, next_cursor: null };
  const rows = await db.$queryRaw<BatchListRow[]>(
    batchListStatement({ accountId, range, status: query.status, before, limit: query.limit }),
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    data: page.map((b) => ({
      batch_id: b.id,
      request_id: b.request_id,
      status: b.status,
      total_count: b.total_count,
      success_count: b.success_count,
      failed_count: b.failed_count,
      canceled_count: b.canceled_count,
      pending_count: b.total_count - b.success_count - b.failed_count - b.canceled_count,
      cost_per_video: b.cost_per_video,
      required_credits: b.required_credits,
      ...summaryMoney(toMoney(b)),
      settlement_status: b.settlement_status,
      webhook_url: b.webhook_url,
      metadata: b.metadata ?? null,
      created_at: b.created_at.toISOString(),
      started_at: iso(b.started_at),
      finished_at: iso(b.finished_at),
      settled_at: iso(b.settled_at),
    })),
    has_more: rows.length > query.limit,
    next_cursor:
      rows.length > query.limit && last
        ? encodeCursor(`${last.created_at.toISOString()}|${last.id}`)
        : null,
  };
}
