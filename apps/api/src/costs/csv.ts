import { stringify } from 'csv-stringify/sync';
import type { CostReport } from './report';

/** The columns of the cost report's CSV, in order. Amounts in the margin unit are integers. */
export const COST_CSV_COLUMNS = [
  'group',
  'key',
  'account_name',
  'batch_created_at',
  'credits_charged',
  'tasks_succeeded',
  'credit_value_usd_micros',
  'revenue_usd_micros',
  'provider_cost_usd_micros',
  'provider_cost_estimated_usd_micros',
  'margin_usd_micros',
  'other_provider_costs',
] as const;

/**
 * The report as CSV: one line per group, then a `total` line. Costs in units other than
 * `usd_micros` are listed as `40 runway_credits; …` (outside the margin, like on screen).
 */
export function costReportCsv(report: CostReport): string {
  const value = report.creditValue?.perCredit ?? '';
  const others = (costs: CostReport['totals']['otherCosts']) =>
    costs.map((c) => `${c.amount} ${c.unit}`).join('; ');
  const lines = report.rows.map((row) => [
    report.groupBy,
    row.key,
    row.accountName ?? '',
    row.createdAt?.toISOString() ?? '',
    row.creditsCharged,
    row.tasksSucceeded,
    value,
    row.revenue ?? '',
    row.providerCost,
    row.providerCostEstimated,
    row.margin ?? '',
    others(row.otherCosts),
  ]);
  const t = report.totals;
  lines.push([
    'total',
    '',
    '',
    '',
    t.creditsCharged,
    t.tasksSucceeded,
    value,
    t.revenue ?? '',
    t.providerCost,
    t.providerCostEstimated,
    t.margin ?? '',
    others(t.otherCosts),
  ]);
  return stringify([[...COST_CSV_COLUMNS], ...lines]);
}
