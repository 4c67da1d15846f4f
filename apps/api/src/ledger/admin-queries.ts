import { LEDGER_REF_TYPES, type LedgerRefType } from '@batchreel/contracts';
import { type Database, Prisma } from '@batchreel/db';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { type BadCursor, type Page, type PageRequest, pageOf } from '../platform/pages';
import { ledgerCursor } from './read';

// What finance reads of the ledger across accounts: the explorer (with the filtered sum), its
// CSV export, and the dashboard.

/** The explorer's filter, shared by the explorer and the CSV export. */
export const LedgerFilterSchema = z.object({
  accountId: z.uuid().optional(),
  refType: z.enum(LEDGER_REF_TYPES).optional(),
  from: z.date().optional(),
  to: z.date().optional(),
});
export type LedgerFilter = z.infer<typeof LedgerFilterSchema>;

/** The WHERE clause of a ledger filter (over `credit_ledger l`). */
function whereOf(filter: LedgerFilter, more: Prisma.Sql[] = []) {
  const conditions = [
    filter.accountId ? Prisma.sql`l.account_id = ${filter.accountId}::uuid` : null,
    filter.refType ? Prisma.sql`l.ref_type = ${filter.refType}::ledger_ref_type` : null,
    filter.from ? Prisma.sql`l.created_at >= ${filter.from}` : null,
    filter.to ? Prisma.sql`l.created_at < ${filter.to}` : null,
    ...more,
  ].filter((c): c is Prisma.Sql => c !== null);
  return conditions.length ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
}

/** A ledger row as the explorer shows it. */
export interface LedgerEntry {
  id: string;
  accountId: string;
  accountName: string;
  refType: LedgerRefType;
  refId: string;
  taskId: string | null;
  /** The refunded task's 0-based `batch_index` (refunds only; memos are rendered from it). */
  taskIndex: number | null;
  creditsDelta: number;
  balanceAfter: number;
  memo: string | null;
  actor: string;
  createdAt: Date;
  /** The hash chain (docs/ledger.md). */
  prevHash: string | null;
  rowHash: string | null;
}

/** The ledger explorer: newest first, keyset on the ledger id, and the sum of what the filter matches. */
export async function listLedgerEntries(
  db: Database,
  query: LedgerFilter & PageRequest,
): Promise<(Page<LedgerEntry> & { sum: number }) | BadCursor> {
  const after = query.cursor ? ledgerCursor.decode(query.cursor) : null;
  if (query.cursor && !after) return 'bad_cursor';
  const rows = await db.$queryRaw<(LedgerEntry & { position: bigint })[]>`
    SELECT l.id AS position, l.id::text AS id, l.account_id AS "accountId", a.name AS "accountName",
           l.ref_type::text AS "refType", l.ref_id AS "refId", l.task_id AS "taskId",
           t.batch_index AS "taskIndex", l.credits_delta AS "creditsDelta",
           l.balance_after AS "balanceAfter", l.memo, l.actor, l.created_at AS "createdAt",
           l.prev_hash AS "prevHash", l.row_hash AS "rowHash"
      FROM credit_ledger l JOIN accounts a ON a.id = l.account_id
      LEFT JOIN video_tasks t ON t.id = l.task_id
      ${whereOf(query, after ? [Prisma.sql`l.id < ${after.id}`] : [])}
     ORDER BY l.id DESC LIMIT ${query.limit + 1}`;
  const [{ sum }] = (await db.$queryRaw<{ sum: number }[]>`
    SELECT COALESCE(SUM(l.credits_delta), 0)::int AS sum FROM credit_ledger l ${whereOf(query)}`) as [
    { sum: number },
  ];
  const page = pageOf(rows, query.limit, ledgerCursor, (row) => ({ id: row.position }));
  return {
    items: page.items.map(({ position: _p, ...entry }) => entry),
    nextCursor: page.nextCursor,
    sum,
  };
}

/** The columns of the ledger CSV, in order. */
const CSV_COLUMNS = [
  'id',
  'created_at',
  'account_id',
  'account_name',
  'ref_type',
  'ref_id',
  'task_id',
  'credits_delta',
  'balance_after',
  'memo',
  'actor',
] as const;

/** Every ledger row the filter matches, oldest first, as CSV for reconciliation. */
export async function ledgerCsv(
  db: Database,
  filter: LedgerFilter,
): Promise<{ csv: string; rows: number }> {
  const rows = await db.$queryRaw<Record<string, unknown>[]>`
    SELECT l.id::text AS id, l.created_at, l.account_id, a.name AS account_name, l.ref_type::text AS ref_type,
           l.ref_id, l.task_id, l.credits_delta, l.balance_after, l.memo, l.actor
      FROM credit_ledger l JOIN accounts a ON a.id = l.account_id
      ${whereOf(filter)}
     ORDER BY l.id`;
  const csv = stringify(
    rows.map((r) => ({ ...r, created_at: (r.created_at as Date).toISOString() })),
    { header: true, columns: [...CSV_COLUMNS] },
  );
  return { csv, rows: rows.length };
}

/** Credits and task outcomes of one UTC day. */
export interface DashboardDay {
  day: string;
  frozen: number;
  refunded: number;
  spent: number;
  succeeded: number;
  failed: number;
}

export interface Dashboard {
  days: DashboardDay[];
  failureReasons: { code: string; count: number }[];
  totals: { succeeded: number; failed: number; canceled: number; spent: number; refunded: number };
}

/** The dashboard: credits spent vs refunded per day, task outcomes per day, failure reasons. */
export async function ledgerDashboard(
  db: Database,
  input: { days: number; accountId?: string | undefined },
): Promise<Dashboard> {
  // From the UTC midnight that starts the series' first day: a bare "days × 24 h ago" would
  // also count part of the day before it, which then showed up as an extra, partial day.
  const now = new Date();
  const since = new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (input.days - 1)),
  );
  const account = input.accountId
    ? Prisma.sql`AND account_id = ${input.accountId}::uuid`
    : Prisma.empty;
  const money = await db.$queryRaw<{ day: string; frozen: number; refunded: number }[]>`
    SELECT to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
           COALESCE(-SUM(credits_delta) FILTER (WHERE ref_type = 'batch_upfront'), 0)::int AS frozen,
           COALESCE(SUM(credits_delta) FILTER (WHERE ref_type = 'batch_refund'), 0)::int AS refunded
      FROM credit_ledger WHERE created_at >= ${since} ${account}
     GROUP BY 1 ORDER BY 1`;
  const outcomes = await db.$queryRaw<{ day: string; succeeded: number; failed: number }[]>`
    SELECT to_char(date_trunc('day', finished_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
           count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
           count(*) FILTER (WHERE status = 'failed')::int AS failed
      FROM video_tasks WHERE finished_at >= ${since} AND status IN ('succeeded', 'failed') ${account}
     GROUP BY 1 ORDER BY 1`;
  const reasons = await db.$queryRaw<{ code: string; count: number }[]>`
    SELECT COALESCE(error_code, 'unknown') AS code, count(*)::int AS count
      FROM video_tasks WHERE status = 'failed' AND finished_at >= ${since} ${account}
     GROUP BY 1 ORDER BY 2 DESC LIMIT 20`;
  const [totals] = (await db.$queryRaw<{ succeeded: number; failed: number; canceled: number }[]>`
    SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
           count(*) FILTER (WHERE status = 'failed')::int AS failed,
           count(*) FILTER (WHERE status = 'canceled')::int AS canceled
      FROM video_tasks WHERE finished_at >= ${since} ${account}`) as [
    { succeeded: number; failed: number; canceled: number },
  ];
  const byDay = new Map<string, DashboardDay>();
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
}
