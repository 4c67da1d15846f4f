import type { Quote } from '@batchreel/billing';
import type { Database, Prisma } from '@batchreel/db';
import { type Period, periodOf } from './periods';
import { type Budget, budgetUsage } from './usage';

type Db = Database | Prisma.TransactionClient;

export type { Budget };

/** A budget with what its scope has committed in a month. */
export interface BudgetStanding {
  budget: Budget;
  period: Period;
  usedCredits: number;
}

/** How a batch stands against one budget it counts against. */
export interface BudgetEvaluation extends BudgetStanding {
  /** What the batch adds to this budget: all of it, or its items of the budget's model. */
  needCredits: number;
}

/** A hard cap a batch would cross: the refusal's figures (402 `budget_exceeded`). */
export interface BudgetExceeded {
  budget: Budget;
  period: Period;
  usedCredits: number;
  needCredits: number;
  remainingCredits: number;
}

export interface BudgetCheck {
  /** Every budget the batch counts against, with its use before the batch. */
  evaluations: BudgetEvaluation[];
  /** The hard caps it would cross, tightest first (the first decides the refusal). */
  exceeded: BudgetExceeded[];
  /** The soft caps it would cross (admitted anyway; their thresholds alert). */
  softExceeded: BudgetExceeded[];
}

/** Who admitted a batch: the key and that key's project (null for batches made in the admin). */
export interface Attribution {
  apiKeyId: string | null;
  projectId: string | null;
}

const SCOPE_ORDER = { api_key: 0, project: 1, account: 2 } as const;

export function toBudget(row: {
  id: string;
  accountId: string;
  scope: Budget['scope'];
  projectId: string | null;
  apiKeyId: string | null;
  model: string | null;
  capCredits: number;
  enforcement: Budget['enforcement'];
  thresholdPercents: number[];
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}): Budget {
  return { ...row };
}

/** The budgets a batch of this attribution counts against: the account's, its project's, its key's. */
export async function applicableBudgets(
  db: Db,
  accountId: string,
  who: Attribution,
): Promise<Budget[]> {
  const rows = await db.budget.findMany({
    where: {
      accountId,
      OR: [
        { scope: 'account' },
        ...(who.projectId ? [{ scope: 'project' as const, projectId: who.projectId }] : []),
        ...(who.apiKeyId ? [{ scope: 'api_key' as const, apiKeyId: who.apiKeyId }] : []),
      ],
    },
    orderBy: { createdAt: 'asc' },
  });
  return rows.map(toBudget);
}

/** What a batch adds to a budget: its whole quote, or the subtotal of the budget's model. */
export function needOf(budget: Budget, quote: Quote): number {
  if (!budget.model) return quote.requiredCredits;
  return quote.breakdown
    .filter((line) => line.model === budget.model)
    .reduce((sum, line) => sum + line.subtotalCredits, 0);
}

/**
 * Checks a quoted batch against every budget it would count against, for this month in the
 * account's time zone: `used + need > cap` crosses the cap. Admission calls it under the account
 * row lock (as it checks the balance), so two admissions never both take the last of a cap; the
 * quote calls it without the lock, as a forecast.
 *
 * Tightest first: the largest overshoot decides (with one need, the cap with the least left),
 * and on a tie the narrower scope (key, then project, then account).
 */
export async function checkBudgets(
  db: Db,
  input: { accountId: string; timeZone: string; who: Attribution; quote: Quote },
): Promise<BudgetCheck> {
  const budgets = await applicableBudgets(db, input.accountId, input.who);
  if (budgets.length === 0) return { evaluations: [], exceeded: [], softExceeded: [] };
  const period = await periodOf(db, input.timeZone);
  const evaluations: BudgetEvaluation[] = [];
  for (const budget of budgets) {
    const needCredits = needOf(budget, input.quote);
    if (needCredits === 0) continue;
    evaluations.push({
      budget,
      period,
      needCredits,
      usedCredits: await budgetUsage(db, budget, period),
    });
  }
  const crossing = evaluations
    .filter((e) => e.usedCredits + e.needCredits > e.budget.capCredits)
    .map((e) => ({
      budget: e.budget,
      period: e.period,
      usedCredits: e.usedCredits,
      needCredits: e.needCredits,
      remainingCredits: Math.max(0, e.budget.capCredits - e.usedCredits),
    }))
    .sort(
      (a, b) =>
        b.usedCredits +
          b.needCredits -
          b.budget.capCredits -
          (a.usedCredits + a.needCredits - a.budget.capCredits) ||
        SCOPE_ORDER[a.budget.scope] - SCOPE_ORDER[b.budget.scope],
    );
  return {
    evaluations,
    exceeded: crossing.filter((c) => c.budget.enforcement === 'hard'),
    softExceeded: crossing.filter((c) => c.budget.enforcement === 'soft'),
  };
}

/** Every budget of an account with its use in a month (default: the current one). */
export async function budgetStandings(
  db: Db,
  accountId: string,
  timeZone: string,
  month?: string,
): Promise<BudgetStanding[]> {
  const period = await periodOf(db, timeZone, month);
  const rows = await db.budget.findMany({
    where: { accountId },
    orderBy: [{ scope: 'asc' }, { createdAt: 'asc' }],
  });
  const standings: BudgetStanding[] = [];
  for (const row of rows) {
    const budget = toBudget(row);
    standings.push({ budget, period, usedCredits: await budgetUsage(db, budget, period) });
  }
  return standings;
}

/** The thresholds of each budget that fired in a month and are not re-armed yet. */
export async function firedThresholds(
  db: Db,
  budgetIds: string[],
  month: string,
): Promise<Map<string, number[]>> {
  const marks = await db.budgetThresholdMark.findMany({
    where: { budgetId: { in: budgetIds }, period: month },
    orderBy: { thresholdPercent: 'asc' },
  });
  const byBudget = new Map<string, number[]>();
  // A mark of a threshold finance has since removed is history, not a fired threshold of now.
  const budgets = await db.budget.findMany({
    where: { id: { in: budgetIds } },
    select: { id: true, thresholdPercents: true },
  });
  const configured = new Map(budgets.map((b) => [b.id, b.thresholdPercents]));
  for (const mark of marks) {
    if (!configured.get(mark.budgetId)?.includes(mark.thresholdPercent)) continue;
    byBudget.set(mark.budgetId, [...(byBudget.get(mark.budgetId) ?? []), mark.thresholdPercent]);
  }
  return byBudget;
}
