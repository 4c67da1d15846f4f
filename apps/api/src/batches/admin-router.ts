import { randomUUID } from 'node:crypto';
import { BATCH_STATUSES, LEDGER_REF_TYPES, TASK_STATUSES } from '@batchreel/contracts';
import { Prisma } from '@batchreel/db';
import { z } from 'zod';
import { audit } from '../admin/audit';
import { isUuid } from '../platform/ids';
import { staffError } from '../trpc/errors';
import { IdPrefixInput } from '../trpc/id-prefix';
import { financeProcedure, router, supportProcedure } from '../trpc/trpc';
import { admitBatch } from './admission';
import { quoteBatchRequest } from './quote';
import { getBatch, listTasks, readBatchMoney } from './read';
import { CreateBatchRequestSchema } from './schemas';

// ---------------------------------------------------------------------------------------------
// Shared shapes

const Uuid = z.uuid();
const Cursor = z.string().max(200).nullish();
const Limit = (max: number, fallback: number) => z.int().min(1).max(max).default(fallback);

export const BatchRowSchema = z.object({
  batchId: z.uuid(),
  accountId: z.uuid(),
  accountName: z.string(),
  status: z.enum(BATCH_STATUSES),
  settlementStatus: z.string(),
  totalCount: z.int(),
  successCount: z.int(),
  failedCount: z.int(),
  requiredCredits: z.int(),
  frozenCredits: z.int(),
  creditsSpent: z.int(),
  refundedCredits: z.int(),
  createdAt: z.date(),
  settledAt: z.date().nullable(),
  integrityError: z.string().nullable(),
});

const TaskRowSchema = z.object({
  taskId: z.uuid(),
  batchId: z.uuid(),
  batchIndex: z.int(),
  accountId: z.uuid(),
  prompt: z.string(),
  model: z.string(),
  status: z.enum(TASK_STATUSES),
  attempts: z.int(),
  costCredits: z.int(),
  videoUrl: z.string().nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
});

const LedgerRowSchema = z.object({
  id: z.string(),
  refType: z.enum(LEDGER_REF_TYPES),
  taskId: z.uuid().nullable(),
  taskIndex: z.int().nullable(),
  creditsDelta: z.int(),
  balanceAfter: z.int(),
  memo: z.string().nullable(),
  actor: z.string(),
  createdAt: z.date(),
  /** The hash chain (docs/ledger.md): shown when a row is expanded. */
  prevHash: z.string().nullable(),
  rowHash: z.string().nullable(),
});

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
function decode<T extends z.ZodType>(
  schema: T,
  cursor: string | null | undefined,
): z.infer<T> | null {
  if (!cursor) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {}
  throw staffError(
    'BAD_REQUEST',
    'unknown_cursor',
    'Unknown cursor; pass nextCursor back unchanged.',
  );
}
const TimeIdCursor = z.object({ t: z.iso.datetime(), id: z.uuid() });

const IdPrefix = IdPrefixInput;

/** Most candidates an ambiguous batch prefix lists. */
const MAX_CANDIDATES = 10;

const batchNotFound = () => staffError('NOT_FOUND', 'batch_not_found', 'Batch not found.');

// ---------------------------------------------------------------------------------------------
// Queries

const BatchListInput = z.object({
  /** A batch id or its start: every batch whose id begins so. */
  idPrefix: IdPrefix.optional(),
  accountId: Uuid.optional(),
  status: z.enum(BATCH_STATUSES).optional(),
  from: z.date().optional(),
  to: z.date().optional(),
  limit: Limit(100, 25),
  cursor: Cursor,
});

/** Keyset page of batches, newest first (index `batch_jobs (created_at DESC, id DESC)`). */
async function listBatches(db: Prisma.TransactionClient, input: z.infer<typeof BatchListInput>) {
  const after = decode(TimeIdCursor, input.cursor);
  const conditions = [
    // A range of the primary key: a short id is found without reading every batch.
    input.idPrefix
      ? Prisma.sql`b.id BETWEEN ${input.idPrefix.lowest}::uuid AND ${input.idPrefix.highest}::uuid`
      : null,
    input.accountId ? Prisma.sql`b.account_id = ${input.accountId}::uuid` : null,
    input.status ? Prisma.sql`b.status = ${input.status}::batch_status` : null,
    input.from ? Prisma.sql`b.created_at >= ${input.from}` : null,
    input.to ? Prisma.sql`b.created_at < ${input.to}` : null,
    after ? Prisma.sql`(b.created_at, b.id) < (${new Date(after.t)}, ${after.id}::uuid)` : null,
  ].filter((c): c is Prisma.Sql => c !== null);
  const where = conditions.length
    ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}`
    : Prisma.empty;
  const rows = await db.$queryRaw<
    {
      id: string;
      account_id: string;
      account_name: string;
      status: (typeof BATCH_STATUSES)[number];
      settlement_status: string;
      total_count: number;
      success_count: number;
      failed_count: number;
      required_credits: number;
      frozen_credits: number;
      credits_spent: number;
      refunded_credits: number;
      created_at: Date;
      settled_at: Date | null;
      integrity_error: string | null;
    }[]
  >`
    SELECT b.id, b.account_id, a.name AS account_name, b.status::text AS status,
           b.settlement_status::text AS settlement_status, b.total_count,
           -- live counts while running; the settled figures afterwards
           CASE WHEN b.settled_at IS NULL THEN (SELECT count(*)::int FROM video_tasks t WHERE t.batch_id = b.id AND t.status = 'succeeded') ELSE b.success_count END AS success_count,
           CASE WHEN b.settled_at IS NULL THEN (SELECT count(*)::int FROM video_tasks t WHERE t.batch_id = b.id AND t.status = 'failed') ELSE b.failed_count END AS failed_count,
           b.required_credits, b.frozen_credits,
           -- money so far while running (as the batch page shows it); the settled figures afterwards
           CASE WHEN b.settled_at IS NULL THEN (SELECT COALESCE(SUM(t.cost_credits), 0)::int FROM video_tasks t WHERE t.batch_id = b.id AND t.status = 'succeeded') ELSE b.credits_spent END AS credits_spent,
           CASE WHEN b.settled_at IS NULL THEN (SELECT COALESCE(SUM(l.credits_delta), 0)::int FROM credit_ledger l WHERE l.ref_id = b.id AND l.ref_type = 'batch_refund') ELSE b.refunded_credits END AS refunded_credits,
           b.created_at, b.settled_at, b.integrity_error
      FROM batch_jobs b JOIN accounts a ON a.id = b.account_id
      ${where}
     ORDER BY b.created_at DESC, b.id DESC
     LIMIT ${input.limit + 1}`;
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({
      batchId: r.id,
      accountId: r.account_id,
      accountName: r.account_name,
      status: r.status,
      settlementStatus: r.settlement_status,
      totalCount: r.total_count,
      successCount: r.success_count,
      failedCount: r.failed_count,
      requiredCredits: r.required_credits,
      frozenCredits: r.frozen_credits,
      creditsSpent: r.credits_spent,
      refundedCredits: r.refunded_credits,
      createdAt: r.created_at,
      settledAt: r.settled_at,
      integrityError: r.integrity_error,
    })),
    nextCursor:
      rows.length > input.limit && last
        ? encode({ t: last.created_at.toISOString(), id: last.id })
        : null,
  };
}

const BatchDetailSchema = z.object({
  batchId: z.uuid(),
  accountId: z.uuid(),
  accountName: z.string(),
  requestId: z.string().nullable(),
  status: z.enum(BATCH_STATUSES),
  settlementStatus: z.string(),
  totalCount: z.int(),
  successCount: z.int(),
  failedCount: z.int(),
  canceledCount: z.int(),
  pendingCount: z.int(),
  costPerVideo: z.int().nullable(),
  requiredCredits: z.int(),
  // The REST read's figures (`batchMoney`): so far while running, settled afterwards; they
  // always add up: frozen = spent + refunded + pending, net = frozen − refunded.
  frozenCredits: z.int(),
  creditsSpent: z.int(),
  refundedCredits: z.int(),
  pendingCredits: z.int(),
  netSpentCredits: z.int(),
  webhookUrl: z.string().nullable(),
  metadata: z.record(z.string(), z.string()).nullable(),
  integrityError: z.string().nullable(),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  settledAt: z.date().nullable(),
});

/**
 * Totals are positive amounts named for what they are (docs/ledger.md, "Sign convention"); the
 * rows keep their signed `creditsDelta`.
 */
const BillingSchema = z.object({
  upfrontCredits: z.int().meta({ description: 'Credits taken by the batch_upfront row.' }),
  refundedCredits: z.int().meta({ description: 'Σ batch_refund rows so far.' }),
  netSpentCredits: z.int().meta({ description: 'upfront − refunded.' }),
  creditsSpent: z.int().meta({ description: 'Σ price of succeeded tasks (so far, or settled).' }),
  pendingCredits: z.int().meta({ description: 'Still frozen for unfinished tasks.' }),
  settled: z.boolean(),
  rows: z.array(LedgerRowSchema),
});

const FailedSearchInput = z.object({
  errorCode: z.string().max(100).optional(),
  // Trigrams need 3 characters: a shorter text could only be answered by reading every failure.
  text: z.string().trim().min(3, 'Type at least 3 characters.').max(200).optional(),
  /** A batch id or a unique start of one (an ambiguous start lists its candidates instead). */
  batchId: IdPrefix.optional(),
  /** A task id or its start. */
  taskId: IdPrefix.optional(),
  accountId: Uuid.optional(),
  model: z.string().max(200).optional(),
  from: z.date().optional(),
  to: z.date().optional(),
  limit: Limit(200, 50),
  cursor: Cursor,
});

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
 */
async function searchFailedTasks(
  db: Prisma.TransactionClient,
  input: z.infer<typeof FailedSearchInput>,
) {
  const after = decode(TimeIdCursor, input.cursor);
  // A batch prefix stands for one batch: resolved first through the primary key, so the task
  // query below keeps using its per-batch index. Two or more matches are shown, not guessed.
  let batchId: string | undefined;
  if (input.batchId) {
    const matches = await db.$queryRaw<{ id: string }[]>`
      SELECT id FROM batch_jobs
       WHERE id BETWEEN ${input.batchId.lowest}::uuid AND ${input.batchId.highest}::uuid
       ORDER BY id LIMIT ${MAX_CANDIDATES + 1}`;
    if (matches.length === 0) return { items: [], nextCursor: null, batchCandidates: [] };
    if (matches.length > 1) {
      return { items: [], nextCursor: null, batchCandidates: matches.map((m) => m.id) };
    }
    batchId = matches[0]?.id;
  }
  const text = input.text ? `%${input.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const conditions = [
    Prisma.sql`t.status = 'failed'`,
    input.errorCode ? Prisma.sql`t.error_code = ${input.errorCode}` : null,
    batchId ? Prisma.sql`t.batch_id = ${batchId}::uuid` : null,
    input.taskId
      ? Prisma.sql`t.id BETWEEN ${input.taskId.lowest}::uuid AND ${input.taskId.highest}::uuid`
      : null,
    input.accountId ? Prisma.sql`t.account_id = ${input.accountId}::uuid` : null,
    input.model ? Prisma.sql`t.model = ${input.model}` : null,
    input.from ? Prisma.sql`t.finished_at >= ${input.from}` : null,
    input.to ? Prisma.sql`t.finished_at < ${input.to}` : null,
    after ? Prisma.sql`(t.finished_at, t.id) < (${new Date(after.t)}, ${after.id}::uuid)` : null,
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
                    ORDER BY finished_at DESC, id DESC LIMIT ${input.limit + 1}) AS ids`;
    const settled = probe && (probe.ids.length > input.limit || probe.examined < TEXT_PROBE_WINDOW);
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
  const rows = await db.$queryRaw<(z.infer<typeof TaskRowSchema> & { accountName: string })[]>`
    SELECT t.id AS "taskId", t.batch_id AS "batchId", t.batch_index AS "batchIndex",
           t.account_id AS "accountId", a.name AS "accountName", t.prompt, t.model,
           t.status::text AS status, t.attempts, t.cost_credits AS "costCredits",
           t.video_url AS "videoUrl", t.error_code AS "errorCode", t.error_message AS "errorMessage",
           t.started_at AS "startedAt", t.finished_at AS "finishedAt"
      FROM video_tasks t JOIN accounts a ON a.id = t.account_id
     WHERE ${Prisma.join(conditions, ' AND ')}
     ORDER BY t.finished_at DESC, t.id DESC
     LIMIT ${input.limit + 1}`;
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    items: page,
    nextCursor:
      rows.length > input.limit && last?.finishedAt
        ? encode({ t: last.finishedAt.toISOString(), id: last.taskId })
        : null,
    batchCandidates: [] as string[],
  };
}

// ---------------------------------------------------------------------------------------------
// The router

export const batchesAdminRouter = router({
  list: supportProcedure
    .input(BatchListInput)
    .output(z.object({ items: z.array(BatchRowSchema), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) => listBatches(ctx.db, input)),

  /** The Overview tab: status, counts (live while running) and the batch's money figures. */
  get: supportProcedure
    .input(z.object({ batchId: z.string().max(100) }))
    .output(BatchDetailSchema)
    .query(async ({ ctx, input }) => {
      if (!isUuid(input.batchId)) throw batchNotFound();
      const batch = await ctx.db.batchJob.findUnique({
        where: { id: input.batchId },
        include: { account: { select: { name: true } } },
      });
      if (!batch) throw batchNotFound();
      const view = await getBatch(ctx.db, batch.accountId, batch.id);
      if (!view) throw batchNotFound();
      return {
        batchId: batch.id,
        accountId: batch.accountId,
        accountName: batch.account.name,
        requestId: batch.requestId,
        status: batch.status,
        settlementStatus: batch.settlementStatus,
        totalCount: view.total_count,
        successCount: view.success_count,
        failedCount: view.failed_count,
        canceledCount: view.canceled_count,
        pendingCount: view.pending_count,
        costPerVideo: batch.costPerVideo,
        requiredCredits: batch.requiredCredits,
        frozenCredits: view.frozen_credits,
        creditsSpent: view.credits_spent,
        refundedCredits: view.refunded_credits,
        pendingCredits: view.pending_credits,
        netSpentCredits: view.net_spent_credits,
        webhookUrl: batch.webhookUrl,
        metadata: view.metadata,
        integrityError: batch.integrityError,
        createdAt: batch.createdAt,
        startedAt: batch.startedAt,
        finishedAt: batch.finishedAt,
        settledAt: batch.settledAt,
      };
    }),

  /** The Billing tab: the batch's ledger rows and their totals, straight from the ledger. */
  billing: financeProcedure
    .input(z.object({ batchId: Uuid }))
    .output(BillingSchema)
    .query(async ({ ctx, input }) => {
      // One snapshot, so the totals, the figures and the rows agree with each other.
      const { rows, money } = await ctx.db.$transaction(
        async (tx) => ({
          rows: await tx.creditLedger.findMany({
            where: { refId: input.batchId, refType: { in: ['batch_upfront', 'batch_refund'] } },
            include: { task: { select: { batchIndex: true } } },
            orderBy: { id: 'asc' },
          }),
          money: await readBatchMoney(tx, input.batchId),
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
    }),

  /** The Tasks tab: keyset pages in request order, optionally of one status. */
  tasks: supportProcedure
    .input(
      z.object({
        batchId: Uuid,
        status: z.enum(TASK_STATUSES).optional(),
        /** Only this task (a ledger row's link to the task it refunds). */
        taskId: Uuid.optional(),
        limit: Limit(500, 50),
        cursor: Cursor,
      }),
    )
    .output(
      z.object({
        items: z.array(TaskRowSchema.extend({ refunded: z.boolean() })),
        nextCursor: z.string().nullable(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const batch = await ctx.db.batchJob.findUnique({
        where: { id: input.batchId },
        select: { accountId: true },
      });
      if (!batch) throw batchNotFound();
      const page = await listTasks(
        ctx.db,
        batch.accountId,
        input.batchId,
        {
          limit: input.limit,
          ...(input.status ? { status: input.status } : {}),
          ...(input.cursor ? { cursor: input.cursor } : {}),
        },
        input.taskId ? { taskId: input.taskId } : {},
      );
      if (page === null) throw batchNotFound();
      if (page === 'bad_cursor')
        throw staffError('BAD_REQUEST', 'unknown_cursor', 'Unknown cursor.');
      return {
        items: page.data.map((t) => ({
          taskId: t.task_id,
          batchId: input.batchId,
          batchIndex: t.batch_index,
          accountId: batch.accountId,
          prompt: t.prompt,
          model: t.model,
          status: t.status,
          attempts: t.attempts,
          costCredits: t.cost_credits,
          refunded: t.refunded,
          videoUrl: t.video_url,
          errorCode: t.error_code,
          errorMessage: t.error_message,
          startedAt: t.started_at ? new Date(t.started_at) : null,
          finishedAt: t.finished_at ? new Date(t.finished_at) : null,
        })),
        nextCursor: page.next_cursor,
      };
    }),

  /** Support's failed-task search. */
  searchFailed: supportProcedure
    .input(FailedSearchInput)
    .output(
      z.object({
        items: z.array(TaskRowSchema.extend({ accountName: z.string() })),
        nextCursor: z.string().nullable(),
        /** The batches an ambiguous batch-id prefix matches (then `items` is empty). */
        batchCandidates: z.array(z.uuid()),
      }),
    )
    .query(({ ctx, input }) => searchFailedTasks(ctx.db, input)),

  /** The error classes failed tasks have (for the search filter). */
  errorCodes: supportProcedure.output(z.array(z.string())).query(async ({ ctx }) => {
    // A loose index scan: one probe of `video_tasks_failed_by_code` per distinct code, instead of
    // reading every failure (a plain DISTINCT took 100 ms over 52,000 failures on PostgreSQL 15).
    const rows = await ctx.db.$queryRaw<{ code: string }[]>`
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
  }),

  /**
   * The quote a demo batch would get, shown before confirming. It only reads, but it is a
   * mutation so its input (up to 10,000 prompts) travels in a POST body: as a query it would be
   * URL-encoded into a GET and exceed URL/header limits after a few dozen prompts.
   */
  quote: financeProcedure
    .input(z.object({ accountId: Uuid, request: CreateBatchRequestSchema }))
    .output(
      z.object({
        totalCount: z.int(),
        costPerVideo: z.int().nullable(),
        requiredCredits: z.int(),
        availableCredits: z.int(),
        wouldAdmit: z.boolean(),
        problems: z.array(z.object({ path: z.string(), message: z.string() })),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const quoted = await quoteBatchRequest(ctx.db, input.accountId, input.request, ctx.config);
      if (!quoted.ok) {
        const problems =
          quoted.error.code === 'invalid_items'
            ? quoted.error.details
            : [{ path: '', message: quoted.error.code }];
        return {
          totalCount: input.request.items.length,
          costPerVideo: null,
          requiredCredits: 0,
          availableCredits: 0,
          wouldAdmit: false,
          problems,
        };
      }
      const q = quoted.value;
      return {
        totalCount: q.total_count,
        costPerVideo: q.cost_per_video,
        requiredCredits: q.required_credits,
        availableCredits: q.available_credits,
        wouldAdmit: q.would_admit,
        problems: [],
      };
    }),

  /**
   * Creates a batch for an account from the admin (live demos, support re-runs): the same
   * admission as the public API, so the same quote, reservation and 402 rule. Audited.
   */
  create: financeProcedure
    .input(z.object({ accountId: Uuid, request: CreateBatchRequestSchema }))
    .output(z.object({ batchId: z.uuid(), requiredCredits: z.int() }))
    .mutation(async ({ ctx, input }) => {
      const requestId = `admin_${randomUUID()}`;
      const admitted = await admitBatch(ctx.db, ctx.queue, {
        accountId: input.accountId,
        idempotencyKey: null,
        requestId,
        body: input.request,
        rawBody: input.request,
        allowPrivateNetworks: ctx.config.allowPrivateNetworks,
        ownEndpoint: ctx.config.ownEndpoint ?? null,
      });
      if (!admitted.ok) {
        const error = admitted.error;
        if (error.code === 'insufficient_credits') {
          throw staffError(
            'PRECONDITION_FAILED',
            'insufficient_credits',
            `Insufficient credits: ${error.requiredCredits} required, ${error.availableCredits} available.`,
            { required: error.requiredCredits, available: error.availableCredits },
          );
        }
        if (error.code === 'invalid_items') {
          const details = error.details.map((d) => `${d.path}: ${d.message}`).join('; ');
          throw staffError('BAD_REQUEST', 'invalid_items', details, { details });
        }
        throw staffError('BAD_REQUEST', 'admission_refused', error.code, { code: error.code });
      }
      const body = admitted.value.body as { batch_id: string; required_credits: number };
      await ctx.db.$transaction((tx) =>
        audit(tx, ctx.user, {
          action: 'batch.created',
          targetType: 'batch',
          targetId: body.batch_id,
          after: {
            account_id: input.accountId,
            items: input.request.items.length,
            required_credits: body.required_credits,
          },
        }),
      );
      return { batchId: body.batch_id, requiredCredits: body.required_credits };
    }),
});
