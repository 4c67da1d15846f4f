import { LEDGER_REF_TYPES } from '@batchreel/contracts';
import { Prisma } from '@batchreel/db';
import { z } from 'zod';
import { modelSummaries } from '../models/queries';
import { ModelSummarySchema } from '../models/schemas';
import { financeProcedure, router, supportProcedure } from '../trpc/trpc';
import { checkIntegrity, INTEGRITY_CHECKS } from './integrity';

const Uuid = z.uuid();

const LedgerEntrySchema = z.object({
  id: z.string(),
  accountId: z.uuid(),
  accountName: z.string(),
  refType: z.enum(LEDGER_REF_TYPES),
  refId: z.uuid(),
  taskId: z.uuid().nullable(),
  /** The refunded task's 0-based `batch_index` (refunds only; memos are rendered from it in the
   * reader's language). */
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

export const LedgerFilterSchema = z.object({
  accountId: Uuid.optional(),
  refType: z.enum(LEDGER_REF_TYPES).optional(),
  from: z.date().optional(),
  to: z.date().optional(),
});

/** The WHERE clause of a ledger filter (shared by the explorer and the CSV export). */
export function ledgerConditions(filter: z.infer<typeof LedgerFilterSchema>) {
  return [
    filter.accountId ? Prisma.sql`l.account_id = ${filter.accountId}::uuid` : null,
    filter.refType ? Prisma.sql`l.ref_type = ${filter.refType}::ledger_ref_type` : null,
    filter.from ? Prisma.sql`l.created_at >= ${filter.from}` : null,
    filter.to ? Prisma.sql`l.created_at < ${filter.to}` : null,
  ].filter((c): c is Prisma.Sql => c !== null);
}

const DAY_SERIES_MAX = 366;

export const ledgerAdminRouter = router({
  /** The ledger explorer: newest first, keyset on the ledger id. */
  list: financeProcedure
    .input(
      LedgerFilterSchema.extend({
        limit: z.int().min(1).max(500).default(50),
        cursor: z
          .string()
          .regex(/^\d{1,19}$/)
          .nullish(),
      }),
    )
    .output(
      z.object({
        items: z.array(LedgerEntrySchema),
        nextCursor: z.string().nullable(),
        sum: z.int(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const conditions = ledgerConditions(input);
      const page = [
        ...conditions,
        ...(input.cursor ? [Prisma.sql`l.id < ${BigInt(input.cursor)}`] : []),
      ];
      const where = (list: Prisma.Sql[]) =>
        list.length ? Prisma.sql`WHERE ${Prisma.join(list, ' AND ')}` : Prisma.empty;
      const rows = await ctx.db.$queryRaw<
        {
          id: bigint;
          account_id: string;
          account_name: string;
          ref_type: (typeof LEDGER_REF_TYPES)[number];
          ref_id: string;
          task_id: string | null;
          task_index: number | null;
          credits_delta: number;
          balance_after: number;
          memo: string | null;
          actor: string;
          created_at: Date;
          prev_hash: string | null;
          row_hash: string | null;
        }[]
      >`
        SELECT l.id, l.account_id, a.name AS account_name, l.ref_type::text AS ref_type, l.ref_id, l.task_id,
               t.batch_index AS task_index, l.credits_delta, l.balance_after, l.memo, l.actor,
               l.created_at, l.prev_hash, l.row_hash
          FROM credit_ledger l JOIN accounts a ON a.id = l.account_id
          LEFT JOIN video_tasks t ON t.id = l.task_id
          ${where(page)}
         ORDER BY l.id DESC LIMIT ${input.limit + 1}`;
      const [{ sum }] = (await ctx.db.$queryRaw<{ sum: number }[]>`
        SELECT COALESCE(SUM(l.credits_delta), 0)::int AS sum FROM credit_ledger l ${where(conditions)}`) as [
        { sum: number },
      ];
      const items = rows.slice(0, input.limit);
      return {
        items: items.map((r) => ({
          id: r.id.toString(),
          accountId: r.account_id,
          accountName: r.account_name,
          refType: r.ref_type,
          refId: r.ref_id,
          taskId: r.task_id,
          taskIndex: r.task_index,
          creditsDelta: r.credits_delta,
          balanceAfter: r.balance_after,
          memo: r.memo,
          actor: r.actor,
          createdAt: r.created_at,
          prevHash: r.prev_hash,
          rowHash: r.row_hash,
        })),
        nextCursor: rows.length > input.limit ? (items.at(-1)?.id.toString() ?? null) : null,
        sum,
      };
    }),

  /** Dashboard: credits spent vs refunded per day, task outcomes per day, failure reasons. */
  dashboard: financeProcedure
    .input(
      z.object({
        days: z.int().min(1).max(DAY_SERIES_MAX).default(30),
        accountId: Uuid.optional(),
      }),
    )
    .output(
      z.object({
        days: z.array(
          z.object({
            day: z.string(),
            frozen: z.int(),
            refunded: z.int(),
            spent: z.int(),
            succeeded: z.int(),
            failed: z.int(),
          }),
        ),
        failureReasons: z.array(z.object({ code: z.string(), count: z.int() })),
        totals: z.object({
          succeeded: z.int(),
          failed: z.int(),
          canceled: z.int(),
          spent: z.int(),
          refunded: z.int(),
        }),
      }),
    )
    .query(async ({ ctx, input }) => {
      // From the UTC midnight that starts the series' first day: a bare "days × 24 h ago" would
      // also count part of the day before it, which then showed up as an extra, partial day.
      const now = new Date();
      const since = new Date(
        Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (input.days - 1)),
      );
      const account = input.accountId
        ? Prisma.sql`AND account_id = ${input.accountId}::uuid`
        : Prisma.empty;
      const money = await ctx.db.$queryRaw<{ day: string; frozen: number; refunded: number }[]>`
        SELECT to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
               COALESCE(-SUM(credits_delta) FILTER (WHERE ref_type = 'batch_upfront'), 0)::int AS frozen,
               COALESCE(SUM(credits_delta) FILTER (WHERE ref_type = 'batch_refund'), 0)::int AS refunded
          FROM credit_ledger WHERE created_at >= ${since} ${account}
         GROUP BY 1 ORDER BY 1`;
      const outcomes = await ctx.db.$queryRaw<{ day: string; succeeded: number; failed: number }[]>`
        SELECT to_char(date_trunc('day', finished_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
               count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
               count(*) FILTER (WHERE status = 'failed')::int AS failed
          FROM video_tasks WHERE finished_at >= ${since} AND status IN ('succeeded', 'failed') ${account}
         GROUP BY 1 ORDER BY 1`;
      const reasons = await ctx.db.$queryRaw<{ code: string; count: number }[]>`
        SELECT COALESCE(error_code, 'unknown') AS code, count(*)::int AS count
          FROM video_tasks WHERE status = 'failed' AND finished_at >= ${since} ${account}
         GROUP BY 1 ORDER BY 2 DESC LIMIT 20`;
      const [totals] = (await ctx.db.$queryRaw<
        { succeeded: number; failed: number; canceled: number }[]
      >`
        SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
               count(*) FILTER (WHERE status = 'failed')::int AS failed,
               count(*) FILTER (WHERE status = 'canceled')::int AS canceled
          FROM video_tasks WHERE finished_at >= ${since} ${account}`) as [
        { succeeded: number; failed: number; canceled: number },
      ];
      const byDay = new Map<
        string,
        {
          day: string;
          frozen: number;
          refunded: number;
          spent: number;
          succeeded: number;
          failed: number;
        }
      >();
      const dayOf = (day: string) => {
        let entry = byDay.get(day);
        if (!entry) {
          entry = { day, frozen: 0, refunded: 0, spent: 0, succeeded: 0, failed: 0 };
          byDay.set(day, entry);
        }
        return entry;
      };
      for (let i = input.days - 1; i >= 0; i--)
        dayOf(new Date(now.getTime() - i * 86_400_000).toISOString().slice(0, 10));
      for (const m of money)
        Object.assign(dayOf(m.day), {
          frozen: m.frozen,
          refunded: m.refunded,
          spent: m.frozen - m.refunded,
        });
      for (const o of outcomes)
        Object.assign(dayOf(o.day), { succeeded: o.succeeded, failed: o.failed });
      const days = [...byDay.values()].sort((a, b) => a.day.localeCompare(b.day));
      return {
        days,
        failureReasons: reasons,
        totals: {
          ...totals,
          spent: days.reduce((s, d) => s + d.spent, 0),
          refunded: days.reduce((s, d) => s + d.refunded, 0),
        },
      };
    }),

  /** The integrity view: every SPEC §5 invariant over the whole database. */
  integrity: financeProcedure
    .output(
      z.object({
        checkedAt: z.date(),
        accounts: z.int(),
        batches: z.int(),
        ledgerRows: z.int(),
        checks: z.array(
          z.object({ key: z.enum(INTEGRITY_CHECKS), checked: z.int(), violations: z.int() }),
        ),
        violations: z.array(
          z.object({
            code: z.string(),
            message: z.string(),
            ledgerRowId: z.string().optional(),
            taskId: z.string().optional(),
            batchId: z.string().optional(),
            accountId: z.string().optional(),
          }),
        ),
      }),
    )
    .query(({ ctx }) => checkIntegrity(ctx.db)),

  /** The audit log (finance and admin), newest first. */
  audit: financeProcedure
    .input(
      z.object({
        targetId: z.string().max(100).optional(),
        limit: z.int().min(1).max(200).default(50),
        cursor: z
          .string()
          .regex(/^\d{1,19}$/)
          .nullish(),
      }),
    )
    .output(
      z.object({
        items: z.array(
          z.object({
            id: z.string(),
            actor: z.string(),
            action: z.string(),
            targetType: z.string(),
            targetId: z.string(),
            before: z.unknown(),
            after: z.unknown(),
            createdAt: z.date(),
          }),
        ),
        nextCursor: z.string().nullable(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const rows = await ctx.db.auditLog.findMany({
        where: {
          ...(input.targetId ? { targetId: input.targetId } : {}),
          ...(input.cursor ? { id: { lt: BigInt(input.cursor) } } : {}),
        },
        orderBy: { id: 'desc' },
        take: input.limit + 1,
      });
      const items = rows.slice(0, input.limit);
      return {
        items: items.map((r) => ({ ...r, id: r.id.toString(), before: r.before, after: r.after })),
        nextCursor: rows.length > input.limit ? (items.at(-1)?.id.toString() ?? null) : null,
      };
    }),

  /** Models and prices (read for everyone signed in; the catalogue is not secret). */
  models: supportProcedure
    .output(z.array(ModelSummarySchema))
    .query(({ ctx }) => modelSummaries(ctx.db)),
});
