import { stringify as toCsv } from 'csv-stringify/sync';
import type { MonthlyStatement } from './monthly-statement';

export const MONTHLY_CSV_COLUMNS = [
  'line',
  'name',
  'ledger_row_id',
  'batch_id',
  'created_at',
  'status',
  'credits_delta',
  'balance_after',
  'upfront_credits',
  'refunded_credits',
  'amount_credits',
  'row_hash',
  'memo',
] as const;

/**
 * A monthly statement as CSV, in the sign convention of docs/ledger.md: `summary` lines carry the
 * balances and totals as positive amounts in `amount_credits`; `entry` lines are the month's
 * top-ups and adjustments with their signed `credits_delta`; `batch` lines each batch's upfront
 * and refunds in the month; `chain_head` lines the ledger rows that open and close the month.
 */
export function monthlyStatementCsv(s: MonthlyStatement): string {
  type Column = (typeof MONTHLY_CSV_COLUMNS)[number];
  const line = (fields: Partial<Record<Column, unknown>>) =>
    MONTHLY_CSV_COLUMNS.map((column) => fields[column] ?? '');
  const summary = (name: string, amount: number) =>
    line({ line: 'summary', name, amount_credits: amount });
  const lines = [
    line({
      line: 'statement',
      name: `${s.account_name} ${s.month} (${s.time_zone})`,
      created_at: s.issued_at,
      status: s.final ? 'final' : 'provisional',
    }),
    summary('opening_balance', s.opening_balance),
    summary('topup_credits', s.totals.topup_credits),
    summary('upfront_credits', s.totals.upfront_credits),
    summary('refunded_credits', s.totals.refunded_credits),
    summary('adjustment_added_credits', s.totals.adjustment_added_credits),
    summary('adjustment_removed_credits', s.totals.adjustment_removed_credits),
    summary('closing_balance', s.closing_balance),
    ...s.entries.map((e) =>
      line({
        line: 'entry',
        name: e.type,
        ledger_row_id: e.ledger_row_id,
        created_at: e.created_at,
        credits_delta: e.credits_delta,
        balance_after: e.balance_after,
        row_hash: e.row_hash,
        memo: e.memo,
      }),
    ),
    ...s.batches.map((b) =>
      line({
        line: 'batch',
        name: b.settlement_status,
        batch_id: b.batch_id,
        created_at: b.created_at,
        status: b.status,
        upfront_credits: b.upfront_credits,
        refunded_credits: b.refunded_credits,
      }),
    ),
    ...(
      [
        ['opening_chain_head', s.opening_chain_head],
        ['chain_head', s.chain_head],
      ] as const
    ).flatMap(([name, head]) =>
      head
        ? [
            line({
              line: 'chain_head',
              name,
              ledger_row_id: head.ledger_row_id,
              created_at: head.created_at,
              balance_after: head.balance_after,
              row_hash: head.row_hash,
            }),
          ]
        : [],
    ),
  ];
  return toCsv([[...MONTHLY_CSV_COLUMNS], ...lines]);
}
