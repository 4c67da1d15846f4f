import type { z } from 'zod';
import type { BudgetExceeded } from './budgets';
import type { Period } from './periods';
import type {
  BalanceLowDataSchema,
  BudgetThresholdDataSchema,
  ExceededBudgetSchema,
} from './schemas';
import type { Budget } from './usage';

/** A budget's defining fields on the wire. */
export const budgetFieldsBody = (budget: Budget) => ({
  budget_id: budget.id,
  scope: budget.scope,
  project_id: budget.projectId,
  api_key_id: budget.apiKeyId,
  model: budget.model,
  cap_credits: budget.capCredits,
  enforcement: budget.enforcement,
  threshold_percents: budget.thresholdPercents,
});

export const percentUsed = (used: number, cap: number) => Math.floor((used * 100) / cap);

export function budgetThresholdData(
  budget: Budget,
  period: Period,
  figures: { thresholdPercent: number; usedCredits: number; batchId: string | null },
): z.input<typeof BudgetThresholdDataSchema> {
  return {
    account_id: budget.accountId,
    budget: budgetFieldsBody(budget),
    period: period.month,
    time_zone: period.timeZone,
    threshold_percent: figures.thresholdPercent,
    used_credits: figures.usedCredits,
    remaining_credits: Math.max(0, budget.capCredits - figures.usedCredits),
    percent_used: percentUsed(figures.usedCredits, budget.capCredits),
    batch_id: figures.batchId,
  };
}

export function balanceLowData(
  accountId: string,
  figures: { balance: number; lowBalanceCredits: number; ledgerRowId: bigint | null },
): z.input<typeof BalanceLowDataSchema> {
  return {
    account_id: accountId,
    balance: figures.balance,
    low_balance_credits: figures.lowBalanceCredits,
    ledger_row_id: figures.ledgerRowId?.toString() ?? null,
  };
}

/** The refusal's `budget`: the cap, what is used, what the batch needs, what is left. */
export function exceededBudgetBody(exceeded: BudgetExceeded): z.input<typeof ExceededBudgetSchema> {
  return {
    ...budgetFieldsBody(exceeded.budget),
    period: exceeded.period.month,
    used_credits: exceeded.usedCredits,
    needed_credits: exceeded.needCredits,
    remaining_credits: exceeded.remainingCredits,
  };
}

/** A budget with its month's use on the wire (`GET /budgets`). */
export function budgetBody(
  standing: { budget: Budget; period: Period; usedCredits: number },
  fired: number[],
) {
  const { budget, usedCredits } = standing;
  return {
    ...budgetFieldsBody(budget),
    period: standing.period.month,
    used_credits: usedCredits,
    remaining_credits: Math.max(0, budget.capCredits - usedCredits),
    percent_used: percentUsed(usedCredits, budget.capCredits),
    fired_thresholds: fired,
    created_at: budget.createdAt.toISOString(),
    updated_at: budget.updatedAt.toISOString(),
  };
}
