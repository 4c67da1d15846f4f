import type { KeyObject } from 'node:crypto';
import type { LedgerRefType } from '@batchreel/contracts';
import type { Database, Prisma } from '@batchreel/db';
import type { z } from 'zod';
import { type JsonSignature, signJson, verifyJson } from '../ledger/statement';
import { periodOf } from './periods';
import type { MonthlyStatementSchema } from './schemas';

/**
 * Monthly statements (docs/finance-controls.md): per account and calendar month (its time zone),
 * the opening balance, the month's movements by kind, the closing balance, the batches and the
 * account's ledger chain head at month end, signed with the key that signs batch statements. A
 * ledger row belongs to the month its `created_at` falls in, so the months partition the ledger:
 * one month's closing balance is the next one's opening balance, and each is Σ credits_delta of
 * every row before that instant — the ledger balance then.
 */
export type MonthlyStatement = z.output<typeof MonthlyStatementSchema>;
export type SignedMonthlyStatement = MonthlyStatement & { signature: JsonSignature };

/** A month is final this long after it ends: longer than any transaction that could still stamp a row in it. */
export const FINAL_AFTER_MS = 5 * 60_000;

type Tx = Prisma.TransactionClient;

interface ChainRow {
  id: bigint;
  row_hash: string;
  balance_after: number;
  created_at: Date;
}

const chainPoint = (row: ChainRow | undefined) =>
  row
    ? {
        ledger_row_id: row.id.toString(),
        row_hash: row.row_hash,
        balance_after: row.balance_after,
        created_at: row.created_at.toISOString(),
      }
    : null;

/** The account's last ledger row stamped before `instant`, and Σ credits_delta before it. */
async function standingAt(tx: Tx, accountId: string, instant: Date) {
  const [head] = await tx.$queryRaw<ChainRow[]>`
    SELECT id, row_hash, balance_after, created_at FROM credit_ledger
     WHERE account_id = ${accountId}::uuid AND created_at < ${instant}
     ORDER BY id DESC LIMIT 1`;
  const [sum] = await tx.$queryRaw<{ balance: number }[]>`
    SELECT COALESCE(SUM(credits_delta), 0)::int AS balance FROM credit_ledger
     WHERE account_id = ${accountId}::uuid AND created_at < ${instant}`;
  return { head, balance: sum?.balance ?? 0 };
}

export type StatementRefusal = 'account_not_found' | 'not_started';

/**
 * The statement of one month as the ledger shows it now, read in one snapshot. A month that has
 * not begun is refused; the running month (and the first minutes after it) is `final: false`.
 */
export async function buildMonthlyStatement(
  db: Database,
  accountId: string,
  month: string,
): Promise<MonthlyStatement | StatementRefusal> {
  return db.$transaction(
    async (tx) => {
      const account = await tx.account.findUnique({
        where: { id: accountId },
        select: { name: true, timeZone: true },
      });
      if (!account) return 'account_not_found' as const;
      const period = await periodOf(tx, account.timeZone, month);
      const [{ now }] = (await tx.$queryRaw<{ now: Date }[]>`SELECT now() AS now`) as [
        { now: Date },
      ];
      if (period.start > now) return 'not_started' as const;
      const opening = await standingAt(tx, accountId, period.start);
      const closing = await standingAt(tx, accountId, period.end);

      const kinds = await tx.$queryRaw<
        { ref_type: LedgerRefType; rows: number; added: number; removed: number }[]
      >`
        SELECT ref_type, count(*)::int AS rows,
               COALESCE(SUM(credits_delta) FILTER (WHERE credits_delta > 0), 0)::int AS added,
               COALESCE(-SUM(credits_delta) FILTER (WHERE credits_delta < 0), 0)::int AS removed
          FROM credit_ledger
         WHERE account_id = ${accountId}::uuid
           AND created_at >= ${period.start} AND created_at < ${period.end}
         GROUP BY ref_type`;
      const kind = (type: LedgerRefType) =>
        kinds.find((k) => k.ref_type === type) ?? { rows: 0, added: 0, removed: 0 };

      const entries = await tx.creditLedger.findMany({
        where: {
          accountId,
          refType: { in: ['topup', 'adjustment'] },
          createdAt: { gte: period.start, lt: period.end },
        },
        orderBy: { id: 'asc' },
      });

      const batches = await tx.$queryRaw<
        {
          batch_id: string;
          created_at: Date;
          status: string;
          settlement_status: MonthlyStatement['batches'][number]['settlement_status'];
          upfront: number;
          refunded: number;
          refunded_tasks: number;
        }[]
      >`
        WITH moved AS (
          SELECT ref_id,
                 COALESCE(-SUM(credits_delta) FILTER (WHERE ref_type = 'batch_upfront'), 0)::int AS upfront,
                 COALESCE(SUM(credits_delta) FILTER (WHERE ref_type = 'batch_refund'), 0)::int AS refunded,
                 count(*) FILTER (WHERE ref_type = 'batch_refund')::int AS refunded_tasks
            FROM credit_ledger
           WHERE account_id = ${accountId}::uuid
             AND ref_type IN ('batch_upfront', 'batch_refund')
             AND created_at >= ${period.start} AND created_at < ${period.end}
           GROUP BY ref_id
        )
        SELECT b.id AS batch_id, b.created_at, b.status::text AS status,
               b.settlement_status::text AS settlement_status,
               COALESCE(m.upfront, 0) AS upfront, COALESCE(m.refunded, 0) AS refunded,
               COALESCE(m.refunded_tasks, 0) AS refunded_tasks
          FROM batch_jobs b LEFT JOIN moved m ON m.ref_id = b.id
         WHERE b.account_id = ${accountId}::uuid
           AND (m.ref_id IS NOT NULL OR (b.created_at >= ${period.start} AND b.created_at < ${period.end}))
         ORDER BY b.created_at, b.id`;

      const ledgerRows = kinds.reduce((n, k) => n + k.rows, 0);
      return {
        statement_version: 1 as const,
        statement_type: 'monthly' as const,
        account_id: accountId,
        account_name: account.name,
        month: period.month,
        time_zone: period.timeZone,
        period_start: period.start.toISOString(),
        period_end: period.end.toISOString(),
        final: now.getTime() >= period.end.getTime() + FINAL_AFTER_MS,
        opening_balance: opening.balance,
        closing_balance: closing.balance,
        totals: {
          topup_credits: kind('topup').added,
          upfront_credits: kind('batch_upfront').removed,
          refunded_credits: kind('batch_refund').added,
          adjustment_added_credits: kind('adjustment').added,
          adjustment_removed_credits: kind('adjustment').removed,
        },
        counts: {
          ledger_rows: ledgerRows,
          topups: kind('topup').rows,
          upfront_charges: kind('batch_upfront').rows,
          refunds: kind('batch_refund').rows,
          adjustments: kind('adjustment').rows,
        },
        entries: entries.map((e) => ({
          ledger_row_id: e.id.toString(),
          type: e.refType,
          credits_delta: e.creditsDelta,
          balance_after: e.balanceAfter,
          memo: e.memo,
          created_at: e.createdAt.toISOString(),
          row_hash: e.rowHash ?? '',
        })),
        batches: batches.map((b) => ({
          batch_id: b.batch_id,
          created_at: b.created_at.toISOString(),
          status: b.status,
          settlement_status: b.settlement_status,
          upfront_credits: b.upfront,
          refunded_credits: b.refunded,
          refunded_tasks: b.refunded_tasks,
        })),
        opening_chain_head: chainPoint(opening.head),
        chain_head: chainPoint(closing.head),
        issued_at: now.toISOString(),
      };
    },
    { isolationLevel: 'RepeatableRead' },
  );
}

/** The months an account has statements for, newest first: from its first ledger row to now. */
export async function statementMonths(db: Database, accountId: string) {
  const account = await db.account.findUnique({
    where: { id: accountId },
    select: { timeZone: true, createdAt: true },
  });
  if (!account) return null;
  const rows = await db.$queryRaw<{ month: string; start: Date; end: Date; final: boolean }[]>`
    WITH bounds AS (
      SELECT date_trunc('month', COALESCE(
               (SELECT min(created_at) FROM credit_ledger WHERE account_id = ${accountId}::uuid),
               ${account.createdAt}) AT TIME ZONE ${account.timeZone}) AS first,
             date_trunc('month', now() AT TIME ZONE ${account.timeZone}) AS last
    )
    SELECT to_char(m, 'YYYY-MM') AS month,
           m AT TIME ZONE ${account.timeZone} AS start,
           (m + interval '1 month') AT TIME ZONE ${account.timeZone} AS "end",
           now() >= ((m + interval '1 month') AT TIME ZONE ${account.timeZone}) + ${`${FINAL_AFTER_MS / 1000} seconds`}::interval AS final
      FROM bounds, generate_series(bounds.first, bounds.last, interval '1 month') AS m
     ORDER BY m DESC`;
  return { timeZone: account.timeZone, months: rows };
}

export function signMonthlyStatement(
  statement: MonthlyStatement,
  privateKey: KeyObject,
): SignedMonthlyStatement {
  return { ...statement, signature: signJson(statement, privateKey) };
}

/** True when a monthly statement (as downloaded: `ok` may be there) is signed by the key's holder. */
export function verifyMonthlyStatement(
  document: Record<string, unknown>,
  publicKey: KeyObject,
): boolean {
  const { ok: _ok, signature, ...statement } = document;
  return verifyJson(statement, signature as Partial<JsonSignature> | undefined, publicKey);
}

/**
 * What is wrong with a monthly statement's figures (empty when they add up): closing = opening +
 * top-ups − upfront + refunded + added − removed; the batches' and entries' figures sum to the
 * totals; every total is a positive amount (or 0); the chain head carries the closing balance.
 */
export function monthlyArithmetic(s: MonthlyStatement): string[] {
  const problems: string[] = [];
  const t = s.totals;
  for (const [name, value] of Object.entries(t)) {
    if (!Number.isSafeInteger(value) || value < 0)
      problems.push(`${name} is not a positive amount`);
  }
  const moved =
    t.topup_credits -
    t.upfront_credits +
    t.refunded_credits +
    t.adjustment_added_credits -
    t.adjustment_removed_credits;
  if (s.opening_balance + moved !== s.closing_balance)
    problems.push('closing ≠ opening + top-ups − upfront + refunds + adjustments');
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  if (sum(s.batches.map((b) => b.upfront_credits)) !== t.upfront_credits)
    problems.push('upfront total ≠ Σ batches');
  if (sum(s.batches.map((b) => b.refunded_credits)) !== t.refunded_credits)
    problems.push('refund total ≠ Σ batches');
  const entries = (type: string, sign: 1 | -1) =>
    sum(
      s.entries
        .filter((e) => e.type === type && Math.sign(e.credits_delta) === sign)
        .map((e) => Math.abs(e.credits_delta)),
    );
  if (entries('topup', 1) !== t.topup_credits) problems.push('top-up total ≠ Σ top-up rows');
  if (entries('adjustment', 1) !== t.adjustment_added_credits)
    problems.push('added adjustments ≠ Σ rows');
  if (entries('adjustment', -1) !== t.adjustment_removed_credits)
    problems.push('removed adjustments ≠ Σ rows');
  if (s.chain_head && s.chain_head.balance_after !== s.closing_balance)
    problems.push('the chain head’s balance ≠ the closing balance');
  if ((s.opening_chain_head?.balance_after ?? 0) !== s.opening_balance)
    problems.push('the opening chain head’s balance ≠ the opening balance');
  return problems;
}
