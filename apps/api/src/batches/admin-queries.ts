import type { BatchStatus, LedgerRefType, SettlementStatus } from '@batchreel/contracts';
import { type Database, Prisma } from '@batchreel/db';
import { readBatchMoney } from '../ledger/batch-money';
import type { IdPrefixRange } from '../platform/ids';
import {
  type BadCursor,
  cursorCodec,
  type Page,
  type PageRequest,
  pageOf,
  TimeAndId,
} from '../platform/pages';
import { type Batch, getBatch, listTasks, type Task } from './read';

// What the admin reads about batches across accounts (support and finance): the list, one
// batch's overview and billing, its tasks, and the failed-task search.

/** Most candidates an ambiguous batch prefix lists. */
const MAX_CANDIDATES = 10;

/** A batch in the admin's list: live counts and money while running, the settled figures after. */
export interface BatchRow {
  batchId: string;
  accountId: string;
  accountName: string;
  status: BatchStatus;
  settlementStatus: SettlementStatus;
  totalCount: number;
  successCount: number;
  failedCount: number;
  requiredCredits: number;
  frozenCredits: number;
  creditsSpent: number;
  refundedCredits: number;
  createdAt: Date;
  settledAt: Date | null;
  integrityError: string | null;
}

export interface BatchFilter {
  /** Every batch whose id begins so. */
  idPrefix?: IdPrefixRange | undefined;
  accountId?: string | undefined;
  status?: BatchStatus | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** Cursors of the admin's lists ordered newest first by `(time, id)`. */
const batchCursor = cursorCodec('admin-batches', TimeAndId);
const failureCursor = cursorCodec('failed-tasks', TimeAndId);

/** Keyset page of every account's batches, newest first (index `batch_jobs (created_at DESC, id DESC)`). */
export async function listAllBatches(
  db: Database,
  filter: BatchFilter & PageRequest,
): Promise<Page<BatchRow> | BadCursor> {
  const after = filter.cursor ? batchCursor.decode(filter.cursor) : null;
  if (filter.cursor && !after) return 'bad_cursor';
  const conditions = [
    // A range of the primary key: a short id is found without reading every batch.
    filter.idPrefix
      ? Prisma.sql`b.id BETWEEN ${filter.idPrefix.lowest}::uuid AND ${filter.idPrefix.highest}::uuid`
      : null,
    filter.accountId ? Prisma.sql`b.account_id = ${filter.accountId}::uuid` : null,
    filter.status ? Prisma.sql`b.status = ${filter.status}::batch_status` : null,
    filter.from ? Prisma.sql`b.created_at >= ${filter.from}` : null,
    filter.to ? Prisma.sql`b.created_at < ${filter.to}` : null,
    after ? Prisma.sql`(b.created_at, b.id) < (${after.t}, ${after.id}::uuid)` : null,
  ].filter((c): c is Prisma.Sql => c !== null);
  const where = conditions.length
    ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}`
    : Prisma.empty;
  const rows = await db.$queryRaw<BatchRow[]>`
    SELECT b.id AS "batchId", b.account_id AS "accountId", a.name AS "accountName",
           b.status::text AS status, b.settlement_status::text AS "settlementStatus",
           b.total_count AS "totalCount",
           -- live counts while running; the settled figures afterwards
           CASE WHEN b.settled_at IS NULL THEN (SELECT count(*)::int FROM video_tasks t WHERE t.batch_id = b.id AND t.status = 'succeeded') ELSE b.success_count END AS "successCount",
           CASE WHEN b.settled_at IS NULL THEN (SELECT count(*)::int FROM video_tasks t WHERE t.batch_id = b.id AND t.status = 'failed') ELSE b.failed_count END AS "failedCount",
           b.required_credits AS "requiredCredits", b.frozen_credits AS "frozenCredits",
           -- money so far while running (as the batch page shows it); the settled figures afterwards
           CASE WHEN b.settled_at IS NULL THEN (SELECT COALESCE(SUM(t.cost_credits), 0)::int FROM video_tasks t WHERE t.batch_id = b.id AND t.status = 'succeeded') ELSE b.credits_spent END AS "creditsSpent",
           CASE WHEN b.settled_at IS NULL THEN (SELECT COALESCE(SUM(l.credits_delta), 0)::int FROM credit_ledger l WHERE l.ref_id = b.id AND l.ref_type = 'batch_refund') ELSE b.refunded_credits END AS "refundedCredits",
           b.created_at AS "createdAt", b.settled_at AS "settledAt", b.integrity_error AS "integrityError"
      FROM batch_jobs b JOIN accounts a ON a.id = b.account_id
      ${where}
     ORDER BY b.created_at DESC, b.id DESC
     LIMIT ${filter.limit + 1}`;
  return pageOf(rows, filter.limit, batchCursor, (b) => ({ t: b.createdAt, id: b.batchId }));
}

/** One batch of any account, with its account's name: the admin's Overview tab. */
export async function batchOverview(
  db: Database,
  batchId: string,
): Promise<(Batch & { accountName: string }) | null> {
  const owner = await db.batchJob.findUnique({
    where: { id: batchId },
    select: { accountId: true, account: { select: { name: true } } },
  });
  if (!owner) return null;
  const batch = await getBatch(db, owner.accountId, batchId);
  return batch && { ...batch, accountName: owner.account.name };
}

/** A ledger row of a batch, with the hash chain (docs/ledger.md) shown when a row is expanded. */
export interface BatchLedgerRow {
  id: string;
  refType: LedgerRefType;
  taskId: string | null;
  /** The refunded task's 0-based `batch_index`. */
  taskIndex: number | null;
  creditsDelta: number;
  balanceAfter: number;
  memo: string | null;
  actor: string;
  createdAt: Date;
  prevHash: string | null;
  rowHash: string | null;
}

/**
 * A batch's billing: its ledger rows and their totals, straight from the ledger, beside the
 * batch's money figures. Totals are positive amounts named for what they are (docs/ledger.md,
 * "Sign convention"); the rows keep their signed `creditsDelta`.
 */
export interface BatchBilling {
  /** Credits taken by the batch_upfront row. */
  upfrontCredits: number;
  /** Σ batch_refund rows so far. */
  refundedCredits: number;
  /** upfront − refunded. */
  netSpentCredits: number;
  /** Σ price of succeeded tasks (so far, or settled). */
  creditsSpent: number;
  /** Still frozen for unfinished tasks. */
  pendingCredits: number;
  settled: boolean;
  rows: BatchLedgerRow[];
}

export async function batchBilling(db: Database, batchId: string): Promise<BatchBilling> {
  // One snapshot, so the totals, the figures and the rows agree with each other.
  const { rows, money } = await db.$transaction(
    async (tx) => ({
      rows: await tx.creditLedger.findMany({
        where: { refId: batchId, refType: { in: ['batch_upfront', 'batch_refund'] } },
        include: { task: { select: { batchIndex: true } } },
        orderBy: { id: 'asc' },
      }),
      money: await readBatchMoney(tx, batchId),
    }),
    { isolationLevel: 'RepeatableRead' },
  );
  const sum = (type: string) =>
    rows.filter((r) => r.refType === type).reduce((total, r) => total + r.creditsDelta, 0);
  const upfrontCredits = -sum('batch_upfront');
  const refundedCredits = sum('batch_refund');
  return {
    upfrontCredits,
    refundedCredits,
    netSpentCredits: upfrontCredits - refundedCredits,
    creditsSpent: money?.creditsSpent ?? 0,
    pendingCredits: money?.pendingCredits ?? 0,
    settled: money?.settled ?? false,
    rows: rows.map((r) => ({
      id: r.id.toString(),
      refType: r.refType,
      taskId: r.taskId,
      taskIndex: r.task?.batchIndex ?? null,
      creditsDelta: r.creditsDelta,
      balanceAfter: r.balanceAfter,
      memo: r.memo,
      actor: r.actor,
      createdAt: r.createdAt,
      prevHash: r.prevHash,
      rowHash: r.rowHash,
    })),
  };
}

/** A batch of any account's tasks (the Tasks tab): null for an unknown batch. */
export async function batchTasks(
  db: Database,
  batchId: string,
  query: Parameters<typeof listTasks>[3],
  only: { taskId?: string } = {},
): Promise<Page<Task> | null | BadCursor> {
  const batch = await db.batchJob.findUnique({
    where: { id: batchId },
    select: { accountId: true },
  });
  return batch ? listTasks(db, batch.accountId, batchId, query, only) : null;
}

export interface FailedTaskFilter {
  errorCode?: string | undefined;
  /** Text in the prompt or the error message (3 characters at least: trigrams). */
  text?: string | undefined;
  /** A batch id or a unique start of one (an ambiguous start lists its candidates instead). */
  batchId?: IdPrefixRange | undefined;
  /** A task id or its start. */
  taskId?: IdPrefixRange | undefined;
  accountId?: string | undefined;
  model?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** A failed task as support's search shows it. */
export type FailedTask = Pick<
  Task,
  | 'taskId'
  | 'batchId'
  | 'batchIndex'
  | 'accountId'
  | 'prompt'
  | 'model'
  | 'status'
  | 'attempts'
  | 'costCredits'
  | 'videoUrl'
  | 'errorCode'
  | 'errorMessage'
  | 'startedAt'
  | 'finishedAt'
> & { accountName: string };

/** What the text filter searches: the exact expression of the `video_tasks_failed_text_trgm` index. */
const FAILED_TASK_TEXT = Prisma.sql`(t.prompt || ' ' || coalesce(t.error_message, ''))`;

/** How many of the newest candidates a text filter is first tried on (see searchFailedTasks). */
const TEXT_PROBE_WINDOW = 2_000;

/**
 * Failed tasks, newest failure first, for support. Served by the partial indexes on failed
 * tasks (migration `20261125190000_failed_task_search`: newest first, by error code, and a
 * trigram index over prompt + error for the text filter), so it stays fast on millions of tasks.
 *
 * A text filter takes two steps. A text that many failures contain is found fastest by walking
 * them newest first and testing each; a rare one only through the trigram index, whose bitmap
 * scan reads every match before sorting (200 ms for a word in 45,000 of 56,000 failures). The
 * planner cannot tell the two apart (it has no statistics on failed tasks' text and always
 * guesses "rare"), so the newest TEXT_PROBE_WINDOW candidates are tested first: when they hold
 * a full page, or are all the candidates there are, that is the answer; otherwise the text is
 * rare (under one in 40) and the trigram index serves it.
 *
 * `batchCandidates` lists the batches an ambiguous batch-id prefix matches (then no items).
 */
export async function searchFailedTasks(
  db: Database,
  filter: FailedTaskFilter & PageRequest,
): Promise<(Page<FailedTask> & { batchCandidates: string[] }) | BadCursor> {
  const after = filter.cursor ? failureCursor.decode(filter.cursor) : null;
  if (filter.cursor && !after) return 'bad_cursor';
  // A batch prefix stands for one batch: resolved first through the primary key, so the task
  // query below keeps using its per-batch index. Two or more matches are shown, not guessed.
  let batchId: string | undefined;
  if (filter.batchId) {
    const matches = await db.$queryRaw<{ id: string }[]>`
      SELECT id FROM batch_jobs
       WHERE id BETWEEN ${filter.batchId.lowest}::uuid AND ${filter.batchId.highest}::uuid
       ORDER BY id LIMIT ${MAX_CANDIDATES + 1}`;
    if (matches.length === 0) return { items: [], nextCursor: null, batchCandidates: [] };
    if (matches.length > 1) {
      return { items: [], nextCursor: null, batchCandidates: matches.map((m) => m.id) };
    }
    batchId = matches[0]?.id;
  }
  const text = filter.text ? `%${filter.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const conditions = [
    Prisma.sql`t.status = 'failed'`,
    filter.errorCode ? Prisma.sql`t.error_code = ${filter.errorCode}` : null,
    batchId ? Prisma.sql`t.batch_id = ${batchId}::uuid` : null,
    filter.taskId
      ? Prisma.sql`t.id BETWEEN ${filter.taskId.lowest}::uuid AND ${filter.taskId.highest}::uuid`
      : null,
    filter.accountId ? Prisma.sql`t.account_id = ${filter.accountId}::uuid` : null,
    filter.model ? Prisma.sql`t.model = ${filter.model}` : null,
    filter.from ? Prisma.sql`t.finished_at >= ${filter.from}` : null,
    filter.to ? Prisma.sql`t.finished_at < ${filter.to}` : null,
    after ? Prisma.sql`(t.finished_at, t.id) < (${after.t}, ${after.id}::uuid)` : null,
  ].filter((c): c is Prisma.Sql => c !== null);
  if (text) {
    const [probe] = await db.$queryRaw<{ examined: number; ids: string[] }[]>`
      WITH candidates AS MATERIALIZED (
        SELECT t.id, t.finished_at, ${FAILED_TASK_TEXT} AS haystack
          FROM video_tasks t
         WHERE ${Prisma.join(conditions, ' AND ')}
         ORDER BY t.finished_at DESC, t.id DESC
         LIMIT ${TEXT_PROBE_WINDOW})
      SELECT (SELECT count(*) FROM candidates)::int AS examined,
             ARRAY(SELECT id FROM candidates WHERE haystack ILIKE ${text}
                    ORDER BY finished_at DESC, id DESC LIMIT ${filter.limit + 1}) AS ids`;
    const settled =
      probe && (probe.ids.length > filter.limit || probe.examined < TEXT_PROBE_WINDOW);
    // A rare text: its matches are collected first, without ORDER BY or LIMIT, so the planner
    // takes the trigram index. Put into the paged query directly, the same ILIKE lets it walk
    // every failure newest first instead (it expects short texts to match often): 300 ms for a
    // 3-letter text that matches nothing among 52,000 failures, against milliseconds this way.
    conditions.push(
      settled
        ? Prisma.sql`t.id = ANY(${probe.ids}::uuid[])`
        : Prisma.sql`t.id = ANY(ARRAY(
            SELECT t.id FROM video_tasks t
             WHERE ${Prisma.join(conditions, ' AND ')} AND ${FAILED_TASK_TEXT} ILIKE ${text}))`,
    );
  }
  const rows = await db.$queryRaw<FailedTask[]>`
    SELECT t.id AS "taskId", t.batch_id AS "batchId", t.batch_index AS "batchIndex",
           t.account_id AS "accountId", a.name AS "accountName", t.prompt, t.model,
           t.status::text AS status, t.attempts, t.cost_credits AS "costCredits",
           t.video_url AS "videoUrl", t.error_code AS "errorCode", t.error_message AS "errorMessage",
           t.started_at AS "startedAt", t.finished_at AS "finishedAt"
      FROM video_tasks t JOIN accounts a ON a.id = t.account_id
     WHERE ${Prisma.join(conditions, ' AND ')}
     ORDER BY t.finished_at DESC, t.id DESC
     LIMIT ${filter.limit + 1}`;
  // Failed tasks always have a finish time (the search only finds failures).
  const page = pageOf(rows, filter.limit, failureCursor, (t) => ({
    t: t.finishedAt ?? new Date(0),
    id: t.taskId,
  }));
  return { ...page, batchCandidates: [] };
}

/** The error classes failed tasks have (for the search filter). */
export async function failedTaskErrorCodes(db: Database): Promise<string[]> {
  // A loose index scan: one probe of `video_tasks_failed_by_code` per distinct code, instead of
  // reading every failure (a plain DISTINCT took 100 ms over 52,000 failures on PostgreSQL 15).
  const rows = await db.$queryRaw<{ code: string }[]>`
    WITH RECURSIVE codes AS (
      (SELECT error_code AS code FROM video_tasks
        WHERE status = 'failed' AND error_code IS NOT NULL ORDER BY error_code LIMIT 1)
      UNION ALL
      SELECT (SELECT t.error_code FROM video_tasks t
               WHERE t.status = 'failed' AND t.error_code > c.code
               ORDER BY t.error_code LIMIT 1)
        FROM codes c WHERE c.code IS NOT NULL)
    SELECT code FROM codes WHERE code IS NOT NULL LIMIT 100`;
  return rows.map((r) => r.code);
}
