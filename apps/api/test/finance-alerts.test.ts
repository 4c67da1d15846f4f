// Alerts (issue 17): budget thresholds and the low balance fire once per crossing, as signed
// webhook events through the delivery machinery (verified with the `standardwebhooks` package,
// an independent implementation), and again only after the value went back and crossed again.
import type {
  BalanceLowEvent,
  BudgetThresholdCrossedEvent,
  WebhookDelivery,
} from '@batchreel/client';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers';
import { accountWithKey, financeCaller } from './support/finance';
import { expectComponent } from './support/openapi';
import { clientOf, documentOf, itemsOf, prompts, waitUntilSettled } from './support/scenarios';
import {
  eventually,
  type ReceivedWebhook,
  startWebhookReceiver,
  type WebhookReceiver,
} from './support/webhook-receiver';

let t: TestApp;
let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
  t = await startTestApp({ worker: { latencyMs: 10, taskTimeoutMs: 300, retryBaseMs: 20 } });
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

/** The request's event after its signature verified with the account's secret. */
function verified<E>(secret: string, request: ReceivedWebhook): E {
  return new Webhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  }) as E;
}

/** Received events of a type for one account, once `count` have arrived (and no more after a pause). */
async function eventsOf<E extends { data: { account_id: string } }>(
  type: string,
  accountId: string,
  secret: string,
  count: number,
): Promise<E[]> {
  const mine = () =>
    receiver
      .of(type)
      .map((request) => verified<E>(secret, request))
      .filter((event) => event.data.account_id === accountId);
  await eventually(() => mine().length >= count, 15_000, `${count} ${type} events`);
  // Nothing more arrives: each crossing is sent once.
  await new Promise((resolve) => setTimeout(resolve, 700));
  return mine();
}

describe('budget.threshold_crossed', () => {
  it('crossing 80 % and 100 % sends each once; after a refund drops below, crossing again sends again', async () => {
    const { account, apiKeyId, secret } = await accountWithKey(t.db, 10_000);
    const { finance } = await financeCaller(t);
    await finance.finance.setAlertSettings({
      accountId: account.id,
      timeZone: 'UTC',
      webhookUrl: receiver.url,
      lowBalanceCredits: null,
    });
    const { budgetId } = await finance.finance.saveBudget({
      accountId: account.id,
      scope: 'api_key',
      apiKeyId,
      capCredits: 100,
      thresholdPercents: [80, 100],
    });
    const api = await clientOf(t, { apiKey: secret });
    const signing = (await api.webhookSecret()).secret;

    await api.createBatch({ items: itemsOf(prompts(5, 'Half')) }); // 50 %: nothing yet
    // One batch takes the budget from 50 % to 100 %: 80 and 100 cross together, once each.
    const { batch: failing } = await api.createBatch({
      items: itemsOf(prompts(5, 'Refused [sim:content_policy]')),
    });
    let events = await eventsOf<BudgetThresholdCrossedEvent>(
      'budget.threshold_crossed',
      account.id,
      signing,
      2,
    );
    expect(events.map((e) => e.data.threshold_percent).sort((a, b) => a - b)).toEqual([80, 100]);
    for (const event of events) {
      expect(event.data).toMatchObject({
        budget: { budget_id: budgetId, scope: 'api_key', api_key_id: apiKeyId, cap_credits: 100 },
        used_credits: 100,
        remaining_credits: 0,
        percent_used: 100,
        batch_id: failing.batch_id,
        period: new Date().toISOString().slice(0, 7),
      });
      expectComponent(await documentOf(t), 'BudgetThresholdCrossedEvent', event);
    }
    // The failed batch's refunds give 50 back: below both thresholds, which re-arm.
    await waitUntilSettled(t, failing.batch_id, { apiKey: secret });
    expect((await api.budgets()).data[0]).toMatchObject({ used_credits: 50 });
    await api.createBatch({ items: itemsOf(prompts(3, 'Again')) }); // 80 % again
    await api.createBatch({ items: itemsOf(prompts(2, 'Full')) }); // 100 % again
    events = await eventsOf<BudgetThresholdCrossedEvent>(
      'budget.threshold_crossed',
      account.id,
      signing,
      4,
    );
    expect(events).toHaveLength(4);
    expect(new Set(events.map((e) => e.id)).size).toBe(4);
    // Deliveries run side by side: the two new events may arrive in either order.
    const again = events
      .slice(2)
      .map((e) => [e.data.threshold_percent, e.data.used_credits])
      .sort((a, b) => (a[0] as number) - (b[0] as number));
    expect(again).toEqual([
      [80, 80],
      [100, 100],
    ]);

    // The alerts history lists each crossing with the delivery that carried it.
    const alerts = await api.alerts({ kind: 'budget_threshold' });
    // Newest first; the two of one admission in threshold order.
    expect(alerts.data.map((a) => a.threshold_percent)).toEqual([100, 80, 100, 80]);
    for (const alert of alerts.data) {
      expect(alert.delivery_id).toBeTruthy();
      const delivery: WebhookDelivery = (await api.webhookDelivery(alert.delivery_id as string))
        .delivery;
      expect(delivery).toMatchObject({
        event_id: alert.event_id,
        status: 'delivered',
        batch_id: null,
      });
    }
  });

  it('a new or changed budget is judged against the month’s use at once; without a webhook URL alerts are listed only', async () => {
    const { account, secret } = await accountWithKey(t.db, 10_000);
    const { finance } = await financeCaller(t);
    const api = await clientOf(t, { apiKey: secret });
    await api.createBatch({ items: itemsOf(prompts(9, 'Ninety')) });
    const { budgetId } = await finance.finance.saveBudget({
      accountId: account.id,
      scope: 'account',
      capCredits: 100,
      thresholdPercents: [80],
    });
    await finance.finance.saveBudget({
      accountId: account.id,
      budgetId,
      scope: 'account',
      capCredits: 100,
      thresholdPercents: [80, 90],
    });
    const alerts = await api.alerts();
    expect(alerts.data.map((a) => [a.threshold_percent, a.used_credits, a.delivery_id])).toEqual([
      [90, 90, null],
      [80, 90, null],
    ]);
  });
});

describe('balance.low', () => {
  it('fires once when the balance falls below the level, and again only after it rose back to it', async () => {
    const { account, secret } = await accountWithKey(t.db, 1000);
    const { finance } = await financeCaller(t);
    await finance.finance.setAlertSettings({
      accountId: account.id,
      timeZone: 'Europe/Berlin',
      webhookUrl: receiver.url,
      lowBalanceCredits: 500,
    });
    const api = await clientOf(t, { apiKey: secret });
    const signing = (await api.webhookSecret()).secret;
    await finance.accounts.adjust({
      accountId: account.id,
      creditsDelta: -450,
      reason: 'Correction',
    }); // 550
    const { batch } = await api.createBatch({ items: itemsOf(prompts(10, 'Spend')) });
    await waitUntilSettled(t, batch.batch_id, { apiKey: secret }); // freeze: 450, below 500
    const { batch: small } = await api.createBatch({ items: itemsOf(['Still below']) });
    await waitUntilSettled(t, small.batch_id, { apiKey: secret }); // 440: no second alert
    await finance.accounts.topUp({ accountId: account.id, credits: 200, reason: 'Top-up' }); // 640
    await finance.accounts.adjust({ accountId: account.id, creditsDelta: -200, reason: 'Fix' }); // 440

    const events = await eventsOf<BalanceLowEvent>('balance.low', account.id, signing, 2);
    expect(events.map((e) => e.data.balance)).toEqual([450, 440]);
    const upfront = await t.db.creditLedger.findFirstOrThrow({
      where: { refId: batch.batch_id, refType: 'batch_upfront' },
    });
    const adjustment = await t.db.creditLedger.findFirstOrThrow({
      where: { accountId: account.id, refType: 'adjustment', creditsDelta: -200 },
    });
    expect(events.map((e) => e.data.ledger_row_id)).toEqual([
      upfront.id.toString(),
      adjustment.id.toString(),
    ]);
    for (const event of events) {
      expect(event.data.low_balance_credits).toBe(500);
      expectComponent(await documentOf(t), 'BalanceLowEvent', event);
    }
    expect((await api.alerts({ kind: 'balance_low' })).data.map((a) => a.balance)).toEqual([
      440, 450,
    ]);
  });
});
