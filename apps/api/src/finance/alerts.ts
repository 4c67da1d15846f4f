import { randomUUID } from 'node:crypto';
import type { AlertWebhookEventType, FinanceAlertKind } from '@batchreel/contracts';
import type { Prisma } from '@batchreel/db';
import { recordWebhookEvent } from '../outbox/record';
import type { Queue } from '../platform/queue';
import type { BudgetEvaluation, BudgetStanding } from './budgets';
import type { Budget } from './usage';
import { balanceLowData, budgetThresholdData } from './wire';

type Tx = Prisma.TransactionClient;

/** The alert event's type for each kind of alert. */
const EVENT_TYPE: Record<FinanceAlertKind, AlertWebhookEventType> = {
  budget_threshold: 'budget.threshold_crossed',
  balance_low: 'balance.low',
};

interface AlertFigures {
  budgetId?: string;
  period?: string;
  thresholdPercent?: number;
  capCredits?: number;
  usedCredits?: number;
  balance?: number;
  lowBalanceCredits?: number;
  ledgerRowId?: bigint | null;
  batchId?: string | null;
}

/**
 * Records an alert that fired (the append-only `finance_alerts` row) and, when finance set an
 * alert webhook URL for the account, its signed event through the outbox, in the caller's
 * transaction: the alert commits with what caused it, and is delivered like every webhook.
 */
async function raiseAlert(
  tx: Tx,
  queue: Queue,
  accountId: string,
  kind: FinanceAlertKind,
  figures: AlertFigures,
  data: unknown,
) {
  const settings = await tx.accountAlertSettings.findUnique({
    where: { accountId },
    select: { webhookUrl: true },
  });
  const event = {
    id: `evt_${randomUUID().replaceAll('-', '')}`,
    type: EVENT_TYPE[kind],
    timestamp: new Date().toISOString(),
    data,
  };
  const deliveryId = settings?.webhookUrl
    ? await recordWebhookEvent(tx, queue, {
        accountId,
        batchId: null,
        url: settings.webhookUrl,
        event,
      })
    : null;
  await tx.financeAlert.create({
    data: {
      accountId,
      kind,
      eventId: event.id,
      deliveryId,
      payload: event as unknown as Prisma.InputJsonValue,
      ...figures,
    },
  });
}

/** Whether `used` has reached `percent` % of `cap` (integer arithmetic: no rounding edge). */
export const reached = (used: number, cap: number, percent: number) => used * 100 >= cap * percent;

/**
 * The thresholds of a budget after its use went from `before` to `after` this month: a threshold
 * whose mark exists but that `before` is below is re-armed (the use fell below it since it
 * fired: a refund, a lower need), and one that `after` reaches and that is armed fires — so each
 * crossing alerts exactly once, and again only after the use went back below. Callers hold the
 * account row lock, which orders every change of one account's marks.
 */
async function reviewThresholds(
  tx: Tx,
  queue: Queue,
  budget: Budget,
  period: BudgetStanding['period'],
  change: { before: number; after: number; batchId: string | null },
) {
  const marks = new Set(
    (
      await tx.budgetThresholdMark.findMany({
        where: { budgetId: budget.id, period: period.month },
        select: { thresholdPercent: true },
      })
    ).map((m) => m.thresholdPercent),
  );
  for (const percent of budget.thresholdPercents) {
    let marked = marks.has(percent);
    if (marked && !reached(change.before, budget.capCredits, percent)) {
      await tx.budgetThresholdMark.delete({
        where: {
          budgetId_period_thresholdPercent: {
            budgetId: budget.id,
            period: period.month,
            thresholdPercent: percent,
          },
        },
      });
      marked = false;
    }
    if (marked || !reached(change.after, budget.capCredits, percent)) continue;
    await tx.budgetThresholdMark.create({
      data: { budgetId: budget.id, period: period.month, thresholdPercent: percent },
    });
    await raiseAlert(
      tx,
      queue,
      budget.accountId,
      'budget_threshold',
      {
        budgetId: budget.id,
        period: period.month,
        thresholdPercent: percent,
        capCredits: budget.capCredits,
        usedCredits: change.after,
        batchId: change.batchId,
      },
      budgetThresholdData(budget, period, {
        thresholdPercent: percent,
        usedCredits: change.after,
        batchId: change.batchId,
      }),
    );
  }
}

/** After an admission: each budget the batch counts against went from its use to use + need. */
export async function alertOnAdmission(
  tx: Tx,
  queue: Queue,
  batchId: string,
  evaluations: readonly BudgetEvaluation[],
) {
  for (const e of evaluations) {
    await reviewThresholds(tx, queue, e.budget, e.period, {
      before: e.usedCredits,
      after: e.usedCredits + e.needCredits,
      batchId,
    });
  }
}

/** After finance created or changed a budget: its current use against its (new) cap. */
export async function alertOnBudgetChange(tx: Tx, queue: Queue, standing: BudgetStanding) {
  await reviewThresholds(tx, queue, standing.budget, standing.period, {
    before: standing.usedCredits,
    after: standing.usedCredits,
    batchId: null,
  });
}

/**
 * The low-balance alert, from the ledger's own history: every ledger row of the account written
 * since the last look is read in order, and the balance crossing from at-or-above finance's level
 * to below it fires once (naming the row that crossed). Rising back to the level re-arms it,
 * whoever wrote that row (a refund, a top-up, a grant by a process), so nothing needs calling on
 * the way up: the rows say it. Called where the balance can fall — the freeze of a batch and a
 * staff adjustment — and when finance changes the level, under the account row lock.
 */
export async function alertOnLowBalance(tx: Tx, queue: Queue, accountId: string) {
  const [settings] = await tx.$queryRaw<
    { low_balance_credits: number | null; low_balance_armed: boolean; checked: bigint }[]
  >`
    SELECT low_balance_credits, low_balance_armed, low_balance_checked_id AS checked
      FROM account_alert_settings WHERE account_id = ${accountId}::uuid FOR UPDATE`;
  if (!settings?.low_balance_credits) return;
  const level = settings.low_balance_credits;
  const rows = await tx.$queryRaw<{ id: bigint; balance_after: number; prev: number | null }[]>`
    SELECT id, balance_after, lag(balance_after) OVER (ORDER BY id) AS prev
      FROM credit_ledger
     WHERE account_id = ${accountId}::uuid AND id > ${settings.checked}
     ORDER BY id`;
  const last = rows.at(-1);
  if (!last) return;
  for (const row of rows) {
    const wasAbove = row.prev === null ? settings.low_balance_armed : row.prev >= level;
    if (!wasAbove || row.balance_after >= level) continue;
    await raiseAlert(
      tx,
      queue,
      accountId,
      'balance_low',
      { balance: row.balance_after, lowBalanceCredits: level, ledgerRowId: row.id },
      balanceLowData(accountId, {
        balance: row.balance_after,
        lowBalanceCredits: level,
        ledgerRowId: row.id,
      }),
    );
  }
  await tx.accountAlertSettings.update({
    where: { accountId },
    data: { lowBalanceArmed: last.balance_after >= level, lowBalanceCheckedId: last.id },
  });
}

/**
 * A new or changed low-balance level starts from the balance as it is: below the level already,
 * it fires now (there is no crossing to wait for); otherwise it is armed. Later rows are judged
 * by {@link alertOnLowBalance}.
 */
export async function alertOnLowBalanceLevel(tx: Tx, queue: Queue, accountId: string) {
  const [state] = await tx.$queryRaw<
    { level: number | null; balance: number; head: bigint | null }[]
  >`
    SELECT s.low_balance_credits AS level, a.balance,
           (SELECT max(id) FROM credit_ledger WHERE account_id = a.id) AS head
      FROM account_alert_settings s JOIN accounts a ON a.id = s.account_id
     WHERE s.account_id = ${accountId}::uuid
       FOR UPDATE OF s`;
  if (!state) return;
  const below = state.level !== null && state.balance < state.level;
  await tx.accountAlertSettings.update({
    where: { accountId },
    data: { lowBalanceArmed: !below, lowBalanceCheckedId: state.head ?? 0n },
  });
  if (!below || state.level === null) return;
  await raiseAlert(
    tx,
    queue,
    accountId,
    'balance_low',
    { balance: state.balance, lowBalanceCredits: state.level, ledgerRowId: state.head },
    balanceLowData(accountId, {
      balance: state.balance,
      lowBalanceCredits: state.level,
      ledgerRowId: state.head,
    }),
  );
}
