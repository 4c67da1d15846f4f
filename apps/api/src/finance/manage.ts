import { err, ok, type Result } from '@batchreel/billing';
import type { BudgetEnforcement, BudgetScope } from '@batchreel/contracts';
import { type Database, isGuardViolation, type Prisma } from '@batchreel/db';
import { blockedHostReason, isOwnEndpoint, type WebhookTargetPolicy } from '../platform/outbound';
import type { Queue } from '../platform/queue';
import { audit } from '../staff/audit';
import { actorOf, type StaffUser } from '../staff/identity';
import { alertOnBudgetChange, alertOnLowBalanceLevel } from './alerts';
import { toBudget } from './budgets';
import { isKnownTimeZone, periodOf } from './periods';
import { type Budget, budgetUsage } from './usage';
import { budgetFieldsBody } from './wire';

// Finance's changes to an account's controls (admin app, finance role): each in one transaction
// with its audit row, refused as values when the input names something that is not there or not
// the account's own. The database's checks and composite foreign keys refuse the same again.

type Tx = Prisma.TransactionClient;

export type FinanceChangeError =
  | { code: 'account_not_found' }
  | { code: 'project_not_found' }
  | { code: 'api_key_not_found' }
  | { code: 'model_not_found' }
  | { code: 'budget_not_found' }
  | { code: 'project_exists' }
  | { code: 'budget_exists' }
  | { code: 'invalid_time_zone' }
  | { code: 'invalid_webhook_url'; reason: string };

/** Locks the account row: finance's changes and admissions of one account are ordered by it. */
async function lockAccount(tx: Tx, accountId: string) {
  const [row] = await tx.$queryRaw<{ time_zone: string }[]>`
    SELECT time_zone FROM accounts WHERE id = ${accountId}::uuid FOR UPDATE`;
  return row ?? null;
}

export async function createProject(
  db: Database,
  by: StaffUser,
  input: { accountId: string; name: string },
): Promise<Result<{ projectId: string }, FinanceChangeError>> {
  return db.$transaction(async (tx) => {
    if (!(await lockAccount(tx, input.accountId)))
      return err({ code: 'account_not_found' as const });
    const taken = await tx.project.findFirst({
      where: { accountId: input.accountId, name: input.name },
    });
    if (taken) return err({ code: 'project_exists' as const });
    const project = await tx.project.create({
      data: { accountId: input.accountId, name: input.name },
    });
    await audit(tx, by, {
      action: 'project.created',
      targetType: 'project',
      targetId: project.id,
      after: { account_id: input.accountId, name: input.name },
    });
    return ok({ projectId: project.id });
  });
}

/** Puts a key into a project (or none); batches it submits from now on count there. */
export async function setKeyProject(
  db: Database,
  by: StaffUser,
  input: { accountId: string; apiKeyId: string; projectId: string | null },
): Promise<Result<{ ok: true }, FinanceChangeError>> {
  return db.$transaction(async (tx) => {
    if (!(await lockAccount(tx, input.accountId)))
      return err({ code: 'account_not_found' as const });
    const key = await tx.apiKey.findFirst({
      where: { id: input.apiKeyId, accountId: input.accountId },
    });
    if (!key) return err({ code: 'api_key_not_found' as const });
    if (input.projectId) {
      const project = await tx.project.findFirst({
        where: { id: input.projectId, accountId: input.accountId },
      });
      if (!project) return err({ code: 'project_not_found' as const });
    }
    await tx.apiKey.update({ where: { id: key.id }, data: { projectId: input.projectId } });
    await audit(tx, by, {
      action: 'api_key.project_set',
      targetType: 'api_key',
      targetId: key.id,
      before: { project_id: key.projectId },
      after: { project_id: input.projectId },
    });
    return ok({ ok: true as const });
  });
}

/** Thresholds as stored: whole percents 1–100, ascending, each once; a soft cap always alerts at 100. */
export function normaliseThresholds(percents: readonly number[], enforcement: BudgetEnforcement) {
  const set = new Set(percents);
  if (enforcement === 'soft') set.add(100);
  return [...set].sort((a, b) => a - b);
}

export interface BudgetInput {
  accountId: string;
  scope: BudgetScope;
  projectId?: string | null;
  apiKeyId?: string | null;
  model?: string | null;
  capCredits: number;
  enforcement: BudgetEnforcement;
  thresholdPercents: number[];
}

/** The target a new budget names must be the account's own. */
async function checkTarget(tx: Tx, input: BudgetInput): Promise<FinanceChangeError | null> {
  if (input.scope === 'project') {
    const found = input.projectId
      ? await tx.project.findFirst({ where: { id: input.projectId, accountId: input.accountId } })
      : null;
    if (!found) return { code: 'project_not_found' };
  }
  if (input.scope === 'api_key') {
    const found = input.apiKeyId
      ? await tx.apiKey.findFirst({ where: { id: input.apiKeyId, accountId: input.accountId } })
      : null;
    if (!found) return { code: 'api_key_not_found' };
  }
  if (input.model && !(await tx.model.findUnique({ where: { id: input.model } }))) {
    return { code: 'model_not_found' };
  }
  return null;
}

/**
 * Creates a budget, or (with `budgetId`) changes its cap, enforcement and thresholds; what it caps
 * stays. Its thresholds are then judged against the month's use at once (a cap lowered below the
 * use alerts now), under the account row lock.
 */
export async function saveBudget(
  db: Database,
  queue: Queue,
  by: StaffUser,
  input: BudgetInput & { budgetId?: string | null },
): Promise<Result<{ budget: Budget }, FinanceChangeError>> {
  try {
    return await db.$transaction(async (tx) => {
      const account = await lockAccount(tx, input.accountId);
      if (!account) return err({ code: 'account_not_found' as const });
      const thresholdPercents = normaliseThresholds(input.thresholdPercents, input.enforcement);
      let saved: Budget;
      if (input.budgetId) {
        const before = await tx.budget.findFirst({
          where: { id: input.budgetId, accountId: input.accountId },
        });
        if (!before) return err({ code: 'budget_not_found' as const });
        saved = toBudget(
          await tx.budget.update({
            where: { id: before.id },
            data: {
              capCredits: input.capCredits,
              enforcement: input.enforcement,
              thresholdPercents,
            },
          }),
        );
        await audit(tx, by, {
          action: 'budget.updated',
          targetType: 'budget',
          targetId: saved.id,
          before: budgetFieldsBody(toBudget(before)),
          after: budgetFieldsBody(saved),
        });
      } else {
        const refused = await checkTarget(tx, input);
        if (refused) return err(refused);
        saved = toBudget(
          await tx.budget.create({
            data: {
              accountId: input.accountId,
              scope: input.scope,
              projectId: input.scope === 'project' ? (input.projectId ?? null) : null,
              apiKeyId: input.scope === 'api_key' ? (input.apiKeyId ?? null) : null,
              model: input.model ?? null,
              capCredits: input.capCredits,
              enforcement: input.enforcement,
              thresholdPercents,
              createdBy: actorOf(by),
            },
          }),
        );
        await audit(tx, by, {
          action: 'budget.created',
          targetType: 'budget',
          targetId: saved.id,
          after: { account_id: input.accountId, ...budgetFieldsBody(saved) },
        });
      }
      const period = await periodOf(tx, account.time_zone);
      await alertOnBudgetChange(tx, queue, {
        budget: saved,
        period,
        usedCredits: await budgetUsage(tx, saved, period),
      });
      return ok({ budget: saved });
    });
  } catch (error) {
    if (
      isGuardViolation(error, 'budgets_one_per_account_and_model') ||
      isGuardViolation(error, 'budgets_one_per_project_and_model') ||
      isGuardViolation(error, 'budgets_one_per_api_key_and_model')
    ) {
      return err({ code: 'budget_exists' });
    }
    throw error;
  }
}

export async function deleteBudget(
  db: Database,
  by: StaffUser,
  input: { accountId: string; budgetId: string },
): Promise<Result<{ ok: true }, FinanceChangeError>> {
  return db.$transaction(async (tx) => {
    if (!(await lockAccount(tx, input.accountId)))
      return err({ code: 'account_not_found' as const });
    const budget = await tx.budget.findFirst({
      where: { id: input.budgetId, accountId: input.accountId },
    });
    if (!budget) return err({ code: 'budget_not_found' as const });
    await tx.budget.delete({ where: { id: budget.id } });
    await audit(tx, by, {
      action: 'budget.deleted',
      targetType: 'budget',
      targetId: budget.id,
      before: budgetFieldsBody(toBudget(budget)),
    });
    return ok({ ok: true as const });
  });
}

/** Where alert webhooks may go: the same rule as a batch's `webhook_url`. */
function webhookUrlProblem(url: string, policy: WebhookTargetPolicy): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'Not a URL.';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'Must be an https URL.';
  if (
    parsed.protocol !== 'https:' &&
    !policy.allowPrivateNetworks &&
    !isOwnEndpoint(parsed, policy.ownEndpoint)
  ) {
    return 'Must use https.';
  }
  if (parsed.username || parsed.password) return 'Must not contain credentials.';
  return blockedHostReason(parsed, policy);
}

export interface AlertSettingsInput {
  accountId: string;
  timeZone: string;
  webhookUrl: string | null;
  lowBalanceCredits: number | null;
}

/**
 * The account's time zone (whose calendar months budgets and statements follow), where alert
 * webhooks go, and the low-balance level. A new level is judged against the balance at once.
 */
export async function setAlertSettings(
  db: Database,
  queue: Queue,
  by: StaffUser,
  input: AlertSettingsInput,
  policy: WebhookTargetPolicy,
): Promise<Result<{ ok: true }, FinanceChangeError>> {
  if (input.webhookUrl) {
    const reason = webhookUrlProblem(input.webhookUrl, policy);
    if (reason) return err({ code: 'invalid_webhook_url', reason });
  }
  return db.$transaction(async (tx) => {
    const account = await lockAccount(tx, input.accountId);
    if (!account) return err({ code: 'account_not_found' as const });
    if (!(await isKnownTimeZone(tx, input.timeZone))) {
      return err({ code: 'invalid_time_zone' as const });
    }
    const before = await tx.accountAlertSettings.findUnique({
      where: { accountId: input.accountId },
    });
    await tx.account.update({
      where: { id: input.accountId },
      data: { timeZone: input.timeZone },
    });
    const fields = {
      webhookUrl: input.webhookUrl,
      lowBalanceCredits: input.lowBalanceCredits,
      updatedBy: actorOf(by),
    };
    await tx.accountAlertSettings.upsert({
      where: { accountId: input.accountId },
      create: { accountId: input.accountId, ...fields },
      update: fields,
    });
    await audit(tx, by, {
      action: 'account.alert_settings_set',
      targetType: 'account',
      targetId: input.accountId,
      before: {
        time_zone: account.time_zone,
        webhook_url: before?.webhookUrl ?? null,
        low_balance_credits: before?.lowBalanceCredits ?? null,
      },
      after: {
        time_zone: input.timeZone,
        webhook_url: input.webhookUrl,
        low_balance_credits: input.lowBalanceCredits,
      },
    });
    if (before?.lowBalanceCredits !== input.lowBalanceCredits) {
      await alertOnLowBalanceLevel(tx, queue, input.accountId);
    }
    return ok({ ok: true as const });
  });
}
