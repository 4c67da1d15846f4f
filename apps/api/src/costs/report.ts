import { marginOf } from '@batchreel/billing';
import { type Database, Prisma } from '@batchreel/db';
import { z } from 'zod';
import { type CreditValue, MARGIN_UNIT, readCreditValue } from './credit-value';

export const COST_GROUPINGS = ['day', 'model', 'batch'] as const;
export type CostGrouping = (typeof COST_GROUPINGS)[number];

/** The longest period one report covers (a year of days). */
export const MAX_REPORT_DAYS = 366;

export const CostReportQuerySchema = z
  .object({
    groupBy: z.enum(COST_GROUPINGS),
    /** Start of the period (inclusive). */
    from: z.date(),
    /** End of the period (exclusive). */
    to: z.date(),
    accountId: z.uuid().optional(),
  })
  .refine((q) => q.to > q.from, { path: ['to'], message: 'Must be after from.' })
  .refine((q) => q.to.getTime() - q.from.getTime() <= MAX_REPORT_DAYS * 86_400_000, {
    path: ['to'],
    message: `At most ${MAX_REPORT_DAYS} days.`,
  });
export type CostReportQuery = z.infer<typeof CostReportQuerySchema>;

const UnitAmountSchema = z.object({
  unit: z.string(),
  amount: z.int(),
  /** The part of `amount` estimated from the catalogue (the provider reported nothing). */
  estimated: z.int(),
});

export const CostRowSchema = z.object({
  /** The day (`YYYY-MM-DD`, UTC), the model id or the batch id. */
  key: z.string(),
  /** For a batch: its account's name. */
  accountName: z.string().nullable(),
  /** For a batch: when it was admitted. */
  createdAt: z.date().nullable(),
  /** Credits customers paid: Σ the admitted prices of the tasks that succeeded. */
  creditsCharged: z.int(),
  tasksSucceeded: z.int(),
  /** Provider cost in the margin unit (`usd_micros`). */
  providerCost: z.int(),
  providerCostEstimated: z.int(),
  /** `creditsCharged × credit value`; null without a credit value. */
  revenue: z.int().nullable(),
  /** `revenue − providerCost`; null without a credit value. */
  margin: z.int().nullable(),
  /** Provider costs in other units (not comparable with credits, so outside the margin). */
  otherCosts: z.array(UnitAmountSchema),
});
export type CostRow = z.infer<typeof CostRowSchema>;

export const CostReportSchema = z.object({
  groupBy: z.enum(COST_GROUPINGS),
  from: z.date(),
  to: z.date(),
  marginUnit: z.literal(MARGIN_UNIT),
  /** What one credit is worth in `marginUnit`, as set in the admin; null: not set. */
  creditValue: z
    .object({ perCredit: z.int(), updatedBy: z.string(), updatedAt: z.date() })
    .nullable(),
  rows: z.array(CostRowSchema),
  totals: CostRowSchema.omit({ key: true, accountName: true, createdAt: true }),
  /** Per batch only: rows were cut at this many batches (the newest); the CSV has them all. */
  truncated: z.boolean(),
});
export type CostReport = z.infer<typeof CostReportSchema>;

interface CreditsRow {
  key: string;
  credits: bigint;
  tasks: bigint;
}
interface CostsRow {
  key: string;
  unit: string;
  amount: bigint;
  estimated: bigint;
}

const num = (value: bigint | number, label: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${label} leaves the safe-integer range`);
  return n;
};

/**
 * What each group's credits were and what the providers charged for them. Credits count when a
 * task succeeds (by its `finished_at`); provider costs when recorded (failed attempts a provider
 * billed included). Per day and per model the period filters those times; per batch it filters
 * the batches' admission time and counts all of each batch's credits and costs.
 */
async function readGroups(db: Database, query: CostReportQuery, batchLimit: number | null) {
  const { from, to } = query;
  const account = (alias: string) =>
    query.accountId
      ? Prisma.sql`AND ${Prisma.raw(alias)}.account_id = ${query.accountId}::uuid`
      : Prisma.empty;
  if (query.groupBy === 'batch') {
    const limit = batchLimit === null ? Prisma.empty : Prisma.sql`LIMIT ${batchLimit + 1}`;
    const batches = await db.$queryRaw<{ id: string; account_name: string; created_at: Date }[]>`
      SELECT b.id::text, a.name AS account_name, b.created_at
        FROM batch_jobs b JOIN accounts a ON a.id = b.account_id
       WHERE b.created_at >= ${from} AND b.created_at < ${to} ${account('b')}
         AND (EXISTS (SELECT 1 FROM video_tasks t WHERE t.batch_id = b.id AND t.status = 'succeeded')
              OR EXISTS (SELECT 1 FROM provider_costs c WHERE c.batch_id = b.id))
       ORDER BY b.created_at DESC, b.id DESC ${limit}`;
    const truncated = batchLimit !== null && batches.length > batchLimit;
    const kept = truncated ? batches.slice(0, batchLimit) : batches;
    const ids = kept.map((b) => b.id);
    const credits = await db.$queryRaw<CreditsRow[]>`
      SELECT t.batch_id::text AS key, SUM(t.cost_credits)::bigint AS credits, count(*)::bigint AS tasks
        FROM video_tasks t
       WHERE t.batch_id = ANY(${ids}::uuid[]) AND t.status = 'succeeded'
       GROUP BY 1`;
    const costs = await db.$queryRaw<CostsRow[]>`
      SELECT c.batch_id::text AS key, c.unit, SUM(c.amount)::bigint AS amount,
             COALESCE(SUM(c.amount) FILTER (WHERE c.source = 'catalogue'), 0)::bigint AS estimated
        FROM provider_costs c
       WHERE c.batch_id = ANY(${ids}::uuid[])
       GROUP BY 1, 2`;
    return {
      keys: kept.map((b) => ({ key: b.id, accountName: b.account_name, createdAt: b.created_at })),
      credits,
      costs,
      truncated,
    };
  }

  const [creditsKey, costsKey] =
    query.groupBy === 'day'
      ? [
          Prisma.sql`to_char(t.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
          Prisma.sql`to_char(c.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
        ]
      : [Prisma.sql`t.model`, Prisma.sql`c.model`];
  const credits = await db.$queryRaw<CreditsRow[]>`
    SELECT ${creditsKey} AS key, SUM(t.cost_credits)::bigint AS credits, count(*)::bigint AS tasks
      FROM video_tasks t
     WHERE t.status = 'succeeded' AND t.finished_at >= ${from} AND t.finished_at < ${to} ${account('t')}
     GROUP BY 1`;
  const costs = await db.$queryRaw<CostsRow[]>`
    SELECT ${costsKey} AS key, c.unit, SUM(c.amount)::bigint AS amount,
           COALESCE(SUM(c.amount) FILTER (WHERE c.source = 'catalogue'), 0)::bigint AS estimated
      FROM provider_costs c
     WHERE c.recorded_at >= ${from} AND c.recorded_at < ${to} ${account('c')}
     GROUP BY 1, 2`;
  const keys = new Set([...credits.map((r) => r.key), ...costs.map((r) => r.key)]);
  if (query.groupBy === 'day') {
    // Every day of the period, so a chart shows the quiet days too.
    for (let day = startOfUtcDay(from); day < to; day = new Date(day.getTime() + 86_400_000)) {
      keys.add(day.toISOString().slice(0, 10));
    }
  }
  return {
    keys: [...keys].sort().map((key) => ({ key, accountName: null, createdAt: null })),
    credits,
    costs,
    truncated: false,
  };
}

function startOfUtcDay(date: Date) {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

/** Margin figures of a row, in the margin unit, once the credit value is known. */
function withMargin<T extends { creditsCharged: number; providerCost: number }>(
  row: T,
  creditValue: CreditValue | null,
): T & { revenue: number | null; margin: number | null } {
  if (!creditValue) return { ...row, revenue: null, margin: null };
  const { revenue, margin } = marginOf({
    creditsCharged: row.creditsCharged,
    creditValue: creditValue.perCredit,
    providerCost: row.providerCost,
  });
  return { ...row, revenue, margin };
}

/**
 * Credits charged against provider cost and the margin, per day, per model or per batch
 * (finance). Reads only; nothing here touches the ledger. `batchLimit` caps per-batch rows
 * (the newest batches) for screens; exports pass null.
 */
export async function providerCostReport(
  db: Database,
  query: CostReportQuery,
  options: { batchLimit: number | null } = { batchLimit: 500 },
): Promise<CostReport> {
  const [groups, creditValue] = await Promise.all([
    readGroups(db, query, options.batchLimit),
    readCreditValue(db),
  ]);
  const credits = new Map(groups.credits.map((r) => [r.key, r]));
  const costs = new Map<string, CostsRow[]>();
  for (const row of groups.costs) costs.set(row.key, [...(costs.get(row.key) ?? []), row]);

  const totals = {
    creditsCharged: 0,
    tasksSucceeded: 0,
    providerCost: 0,
    providerCostEstimated: 0,
  };
  const otherTotals = new Map<string, { amount: number; estimated: number }>();
  const rows = groups.keys.map(({ key, accountName, createdAt }) => {
    const charged = credits.get(key);
    const row = {
      key,
      accountName,
      createdAt,
      creditsCharged: charged ? num(charged.credits, 'credits') : 0,
      tasksSucceeded: charged ? num(charged.tasks, 'tasks') : 0,
      providerCost: 0,
      providerCostEstimated: 0,
      otherCosts: [] as CostRow['otherCosts'],
    };
    for (const cost of costs.get(key) ?? []) {
      const amount = num(cost.amount, 'provider cost');
      const estimated = num(cost.estimated, 'provider cost');
      if (cost.unit === MARGIN_UNIT) {
        row.providerCost += amount;
        row.providerCostEstimated += estimated;
      } else {
        row.otherCosts.push({ unit: cost.unit, amount, estimated });
        const total = otherTotals.get(cost.unit) ?? { amount: 0, estimated: 0 };
        otherTotals.set(cost.unit, {
          amount: total.amount + amount,
          estimated: total.estimated + estimated,
        });
      }
    }
    row.otherCosts.sort((a, b) => a.unit.localeCompare(b.unit));
    totals.creditsCharged += row.creditsCharged;
    totals.tasksSucceeded += row.tasksSucceeded;
    totals.providerCost += row.providerCost;
    totals.providerCostEstimated += row.providerCostEstimated;
    return withMargin(row, creditValue);
  });

  return {
    groupBy: query.groupBy,
    from: query.from,
    to: query.to,
    marginUnit: MARGIN_UNIT,
    creditValue: creditValue
      ? {
          perCredit: creditValue.perCredit,
          updatedBy: creditValue.updatedBy,
          updatedAt: creditValue.updatedAt,
        }
      : null,
    rows,
    totals: withMargin(
      {
        ...totals,
        otherCosts: [...otherTotals]
          .map(([unit, t]) => ({ unit, ...t }))
          .sort((a, b) => a.unit.localeCompare(b.unit)),
      },
      creditValue,
    ),
    truncated: groups.truncated,
  };
}
