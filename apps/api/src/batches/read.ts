import type { BatchStatus, SettlementStatus, TaskStatus } from '@batchreel/contracts';
import { type Database, Prisma } from '@batchreel/db';
import { z } from 'zod';
import {
  type MoneyColumns,
  moneyColumns,
  readBatchMoney,
  refundsOfBatch,
  type SettledMoney,
  toMoney,
} from '../ledger/batch-money';
import { type IdPrefixRange, isUuid } from '../platform/ids';
import {
  type BadCursor,
  cursorCodec,
  type Page,
  type PageRequest,
  pageOf,
  TimeAndId,
} from '../platform/pages';
import { type BatchWebhookDelivery, batchWebhookDeliveries } from './webhook-deliveries';

type Db = Database | Prisma.TransactionClient;

/** A batch's money figures (`batchMoney` in packages/billing): so far while it runs, then settled. */
export type BatchFigures = Omit<SettledMoney, 'settled'>;

/** A batch as a list shows it: status, live counts and money, timestamps. */
export interface BatchSummary extends BatchFigures {
  batchId: string;
  accountId: string;
  requestId: string | null;
  status: BatchStatus;
  settlementStatus: SettlementStatus;
  totalCount: number;
  successCount: number;
  failedCount: number;
  canceledCount: number;
  /** Tasks not yet finished. */
  pendingCount: number;
  costPerVideo: number | null;
  requiredCredits: number;
  webhookUrl: string | null;
  metadata: Record<string, string> | null;
  /** The batch whose failed tasks this one re-runs (`retry-failed`), if any. */
  retriedFromBatchId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  settledAt: Date | null;
}

/** One model and price of a batch: how many tasks, at what price each. */
export interface BatchLine {
  model: string;
  count: number;
  priceCredits: number;
  subtotalCredits: number;
}

/** One batch read on its own: the summary, its lines by model and its webhook events. */
export interface Batch extends BatchSummary {
  breakdown: BatchLine[];
  /** Batches created by `retry-failed` from this one, oldest first. */
  retryBatchIds: string[];
  webhookDeliveries: BatchWebhookDelivery[];
  /** What the integrity check found wrong with this batch, if anything (staff only). */
  integrityError: string | null;
}

export interface Task {
  taskId: string;
  batchId: string;
  accountId: string;
  /** 0-based position of the item in the request. */
  batchIndex: number;
  prompt: string;
  model: string;
  parameters: { seconds: number; size: string };
  status: TaskStatus;
  attempts: number;
  costCredits: number;
  /** Whether the price went back to the balance (a `batch_refund` ledger row). */
  refunded: boolean;
  /** The link the provider returned (kept for support; clients get Batchreel's own). */
  videoUrl: string | null;
  /** The video as Batchreel keeps it, once the task succeeded (docs/storage.md). */
  video: StoredVideo | null;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface StoredVideo {
  key: string;
  sizeBytes: number;
  contentType: string;
  sha256: string;
  durationSeconds: number | null;
  storedAt: Date;
  /** When the retention sweep deletes it (or deleted it). */
  expiresAt: Date;
  /** Set once the retention sweep deleted it. */
  deletedAt: Date | null;
}

/** The stored video of a task row (its `output_*` columns), or null when none was kept. */
export function storedVideoOf(row: {
  outputKey: string | null;
  outputSize: bigint | number | null;
  outputContentType: string | null;
  outputSha256: string | null;
  outputDurationSeconds: number | null;
  outputStoredAt: Date | null;
  outputExpiresAt: Date | null;
  outputDeletedAt: Date | null;
}): StoredVideo | null {
  if (!row.outputKey || row.outputStoredAt === null || row.outputExpiresAt === null) return null;
  return {
    key: row.outputKey,
    sizeBytes: Number(row.outputSize ?? 0),
    contentType: row.outputContentType ?? 'application/octet-stream',
    sha256: row.outputSha256 ?? '',
    durationSeconds: row.outputDurationSeconds,
    storedAt: row.outputStoredAt,
    expiresAt: row.outputExpiresAt,
    deletedAt: row.outputDeletedAt,
  };
}

/** The money figures without the settled flag (the settlement status says it). */
const figures = ({ settled: _settled, ...money }: SettledMoney): BatchFigures => money;

/**
 * One batch of one account (another account's batch is simply not found). Counts and money come
 * from the tasks and the ledger themselves, so they are current while the batch runs, not only
 * after settlement, and always add up (`batchMoney`). Works inside a transaction too (webhook
 * events snapshot the batch as their transaction sees it).
 */
export async function getBatch(db: Db, accountId: string, batchId: string): Promise<Batch | null> {
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
  const byModel = new Map<string, BatchLine>();
  for (const g of groups) {
    byStatus.set(g.status, (byStatus.get(g.status) ?? 0) + g.count);
    const key = `${g.model}\u0000${g.cost}`;
    const line = byModel.get(key) ?? {
      model: g.model,
      count: 0,
      priceCredits: g.cost,
      subtotalCredits: 0,
    };
    line.count += g.count;
    line.subtotalCredits += g.count * g.cost;
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
    batchId: batch.id,
    accountId: batch.accountId,
    requestId: batch.requestId,
    status: batch.status,
    settlementStatus: batch.settlementStatus,
    totalCount: batch.totalCount,
    successCount: count('succeeded'),
    failedCount: count('failed'),
    canceledCount: count('canceled'),
    pendingCount: batch.totalCount - finished,
    costPerVideo: batch.costPerVideo,
    requiredCredits: batch.requiredCredits,
    ...figures(money),
    breakdown: [...byModel.values()].sort((a, b) => a.model.localeCompare(b.model)),
    webhookUrl: batch.webhookUrl,
    metadata: (batch.metadata as Record<string, string> | null) ?? null,
    retriedFromBatchId: batch.retriedFromBatchId,
    retryBatchIds: (
      await db.batchJob.findMany({
        where: { retriedFromBatchId: batchId, accountId },
        select: { id: true },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      })
    ).map((retry) => retry.id),
    integrityError: batch.integrityError,
    createdAt: batch.createdAt,
    startedAt: batch.startedAt,
    finishedAt: batch.finishedAt,
    settledAt: batch.settledAt,
    webhookDeliveries: await batchWebhookDeliveries(db, accountId, batchId),
  };
}

/** Cursors of a batch's tasks: the `batch_index` after which the next page starts. */
const taskCursor = cursorCodec(
  'tasks',
  // batch_index is an int4 below the item limit; anything else is not a cursor we issued.
  z.object({ index: z.int().min(0).max(2_147_483_647) }),
);

/**
 * A page of a batch's tasks in `batch_index` order, optionally of one status. Returns null when
 * the batch is not this account's.
 */
export async function listTasks(
  db: Database,
  accountId: string,
  batchId: string,
  query: PageRequest & { status?: TaskStatus | undefined },
  /** The admin's link to one task (from its ledger row): only that task. */
  only: { taskId?: string } = {},
): Promise<Page<Task> | null | BadCursor> {
  if (!isUuid(batchId)) return null;
  const owned = await db.batchJob.findFirst({
    where: { id: batchId, accountId },
    select: { id: true },
  });
  if (!owned) return null;
  const after = query.cursor ? taskCursor.decode(query.cursor) : null;
  if (query.cursor && !after) return 'bad_cursor';
  const rows = await db.videoTask.findMany({
    where: {
      batchId,
      accountId,
      batchIndex: { gt: after?.index ?? -1 },
      ...(query.status ? { status: query.status } : {}),
      ...(only.taskId ? { id: only.taskId } : {}),
    },
    orderBy: { batchIndex: 'asc' },
    take: query.limit + 1,
  });
  const page = pageOf(rows, query.limit, taskCursor, (t) => ({ index: t.batchIndex }));
  // Which of these tasks got their price back: one probe each of the one-refund-per-task index.
  const refunds =
    page.items.length === 0
      ? []
      : await db.$queryRaw<{ task_id: string }[]>`
          SELECT task_id FROM credit_ledger
           WHERE ref_type = 'batch_refund' AND task_id = ANY(${page.items.map((t) => t.id)}::uuid[])`;
  const refunded = new Set(refunds.map((r) => r.task_id));
  return {
    items: page.items.map((t) => ({
      taskId: t.id,
      batchId: t.batchId,
      accountId: t.accountId,
      batchIndex: t.batchIndex,
      prompt: t.prompt,
      model: t.model,
      parameters: t.parameters as { seconds: number; size: string },
      status: t.status,
      attempts: t.attempts,
      costCredits: t.costCredits,
      refunded: refunded.has(t.id),
      videoUrl: t.videoUrl,
      video: storedVideoOf(t),
      errorCode: t.errorCode,
      errorMessage: t.errorMessage,
      createdAt: t.createdAt,
      startedAt: t.startedAt,
      finishedAt: t.finishedAt,
    })),
    nextCursor: page.nextCursor,
  };
}

interface BatchListRow extends MoneyColumns {
  id: string;
  account_id: string;
  request_id: string | null;
  status: BatchStatus;
  settlement_status: SettlementStatus;
  total_count: number;
  success_count: number;
  failed_count: number;
  canceled_count: number;
  cost_per_video: number | null;
  required_credits: number;
  webhook_url: string | null;
  metadata: Record<string, string> | null;
  retried_from_batch_id: string | null;
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
  status?: BatchStatus | undefined;
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
    SELECT b.id, b.account_id, b.request_id, b.status::text AS status,
           b.settlement_status::text AS settlement_status, b.total_count,
           COALESCE(live.succeeded, b.success_count) AS success_count,
           COALESCE(live.failed, b.failed_count) AS failed_count,
           COALESCE(live.canceled, b.canceled_count) AS canceled_count,
           b.cost_per_video, b.required_credits, b.webhook_url, b.metadata,
           b.retried_from_batch_id, b.created_at, b.started_at, b.finished_at, b.settled_at,
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

/** Cursors of an account's batches: newest first, keyset on `(created_at, id)`. */
const batchCursor = cursorCodec('batches', TimeAndId);

/**
 * A page of the account's batches, newest first (keyset on `created_at, id`, served by the index
 * `batch_jobs (account_id, created_at DESC, id DESC)`). An id prefix is a range of the primary
 * key (see `idPrefixRange`), so a short id is found without reading every batch. Counts are live
 * for batches not yet settled and the settled figures afterwards, like a single read.
 */
export async function listBatches(
  db: Database,
  accountId: string,
  query: PageRequest & { idPrefix?: IdPrefixRange | undefined; status?: BatchStatus | undefined },
): Promise<Page<BatchSummary> | BadCursor> {
  const after = query.cursor ? batchCursor.decode(query.cursor) : null;
  if (query.cursor && !after) return 'bad_cursor';
  const rows = await db.$queryRaw<BatchListRow[]>(
    batchListStatement({
      accountId,
      range: query.idPrefix,
      status: query.status,
      before: after ? { createdAt: after.t, id: after.id } : undefined,
      limit: query.limit,
    }),
  );
  const page = pageOf(rows, query.limit, batchCursor, (b) => ({ t: b.created_at, id: b.id }));
  return {
    items: page.items.map((b) => ({
      batchId: b.id,
      accountId: b.account_id,
      requestId: b.request_id,
      status: b.status,
      settlementStatus: b.settlement_status,
      totalCount: b.total_count,
      successCount: b.success_count,
      failedCount: b.failed_count,
      canceledCount: b.canceled_count,
      pendingCount: b.total_count - b.success_count - b.failed_count - b.canceled_count,
      costPerVideo: b.cost_per_video,
      requiredCredits: b.required_credits,
      ...figures(toMoney(b)),
      webhookUrl: b.webhook_url,
      metadata: b.metadata ?? null,
      retriedFromBatchId: b.retried_from_batch_id,
      createdAt: b.created_at,
      startedAt: b.started_at,
      finishedAt: b.finished_at,
      settledAt: b.settled_at,
    })),
    nextCursor: page.nextCursor,
  };
}
