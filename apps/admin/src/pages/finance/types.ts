import type { TFunction } from 'i18next';
import type { RouterOutputs } from '../../trpc';

export type Overview = RouterOutputs['finance']['overview'];
export type BudgetView = Overview['budgets'][number];

/** What a budget caps, in words: the account, a project by name, a key by name and prefix. */
export function budgetTarget(t: TFunction, overview: Overview, budget: BudgetView): string {
  if (budget.scope === 'project') {
    const project = overview.projects.find((p) => p.id === budget.projectId);
    return t('finance.scope.project', { name: project?.name ?? budget.projectId ?? '' });
  }
  if (budget.scope === 'api_key') {
    const key = overview.apiKeys.find((k) => k.id === budget.apiKeyId);
    return t('finance.scope.api_key', { name: key ? `${key.name} (${key.prefix})` : '' });
  }
  return t('finance.scope.account');
}

/** `"80, 90, 100"` → `[80, 90, 100]`, or null when a part is not a whole percent 1–100. */
export function parseThresholds(text: string): number[] | null {
  const parts = text
    .split(/[,，\s]+/)
    .map((p) => p.trim())
    .filter(Boolean);
  const values = parts.map(Number);
  return values.every((v) => Number.isInteger(v) && v >= 1 && v <= 100) ? values : null;
}
