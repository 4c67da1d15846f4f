// Budget caps at admission (issue 17): a hard cap is never overshot by concurrent admissions,
// the tightest cap decides and is named, refunds give budget back, /quote reports every cap, a
// soft cap admits. Real PostgreSQL, real HTTP through the typed client, the real worker.
import type { BudgetExceededResponse } from '@batchreel/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers';
import { accountWithKey, anotherKey, financeCaller } from './support/finance';
import {
  clientOf,
  DEMO_MODEL,
  itemsOf,
  outcomeOf,
  prompts,
  refusal,
  waitUntilSettled,
} from './support/scenarios';

const month = () => new Date().toISOString().slice(0, 7);

describe('a hard cap under concurrent admissions', () => {
  let t: TestApp;
  beforeAll(async () => {
    // No worker: nothing is refunded while the admissions race.
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  it('500 credits on a key, 50 concurrent batches of 20 → exactly 25 admitted, 25 × 402 budget_exceeded', async () => {
    const { account, apiKeyId, secret } = await accountWithKey(t.db, 100_000);
    const { finance } = await financeCaller(t);
    const { budgetId } = await finance.finance.saveBudget({
      accountId: account.id,
      scope: 'api_key',
      apiKeyId,
      capCredits: 500,
    });
    const api = await clientOf(t, { apiKey: secret });
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        outcomeOf(api.createBatch({ items: itemsOf(prompts(2, `race ${i}`)) })),
      ),
    );
    const admitted = outcomes.filter((o) => o.ok);
    const refused = outcomes.flatMap((o) => (o.ok ? [] : [o.error]));
    expect(admitted).toHaveLength(25);
    expect(refused).toHaveLength(25);
    for (const error of refused) {
      expect(error.status).toBe(402);
      expect(error.code).toBe('budget_exceeded');
      const body = error.body as BudgetExceededResponse;
      expect(body.required_credits).toBe(20);
      expect(body.budget).toMatchObject({
        budget_id: budgetId,
        scope: 'api_key',
        api_key_id: apiKeyId,
        cap_credits: 500,
        used_credits: 500,
        needed_credits: 20,
        remaining_credits: 0,
        enforcement: 'hard',
        period: month(),
      });
      expect(error.message).toMatch(/needs 20 credits of the hard cap of 500/);
    }
    // The books agree: 25 batches reserve exactly the cap, and the budget reads full.
    expect(await t.db.batchJob.count({ where: { apiKeyId } })).toBe(25);
    const budgets = await api.budgets();
    expect(budgets.data).toHaveLength(1);
    expect(budgets.data[0]).toMatchObject({
      used_credits: 500,
      remaining_credits: 0,
      percent_used: 100,
    });
    expect((await api.balance()).reserved_credits).toBe(500);
  });
});

describe('budgets with the worker: refunds, tightest cap, quotes, soft caps, models', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: { latencyMs: 10, taskTimeoutMs: 300, retryBaseMs: 20 } });
  });
  afterAll(async () => t?.close());

  it('refunds of failed tasks give the budget back: the next batch gets in', async () => {
    const { account, apiKeyId, secret } = await accountWithKey(t.db, 10_000);
    const { finance } = await financeCaller(t);
    await finance.finance.saveBudget({
      accountId: account.id,
      scope: 'api_key',
      apiKeyId,
      capCredits: 50,
    });
    const api = await clientOf(t, { apiKey: secret });
    const { batch } = await api.createBatch({
      items: itemsOf(prompts(5, 'A forbidden scene [sim:content_policy]')),
    });
    const next = { items: itemsOf(['A lighthouse at dawn']) };
    const early = await refusal(api.createBatch(next));
    expect(early.code).toBe('budget_exceeded');
    expect(early.budget).toMatchObject({ used_credits: 50, needed_credits: 10, cap_credits: 50 });

    const settled = await waitUntilSettled(t, batch.batch_id, { apiKey: secret });
    expect(settled).toMatchObject({ failed_count: 5, refunded_credits: 50 });
    expect((await api.budgets()).data[0]).toMatchObject({ used_credits: 0 });
    const { batch: admitted } = await api.createBatch(next);
    expect(admitted.required_credits).toBe(10);
    expect((await api.budgets()).data[0]).toMatchObject({ used_credits: 10 });
  });

  it('account, project and key caps together: the tightest decides and the error names it; /quote lists them all', async () => {
    const { account, apiKeyId, secret } = await accountWithKey(t.db, 100_000);
    const { finance } = await financeCaller(t);
    const { projectId } = await finance.finance.createProject({
      accountId: account.id,
      name: 'Spring campaign',
    });
    await finance.finance.setKeyProject({ accountId: account.id, apiKeyId, projectId });
    const accountCap = await finance.finance.saveBudget({
      accountId: account.id,
      scope: 'account',
      capCredits: 1000,
    });
    const projectCap = await finance.finance.saveBudget({
      accountId: account.id,
      scope: 'project',
      projectId,
      capCredits: 300,
    });
    const keyCap = await finance.finance.saveBudget({
      accountId: account.id,
      scope: 'api_key',
      apiKeyId,
      capCredits: 200,
    });
    const api = await clientOf(t, { apiKey: secret });
    const batchOf = (credits: number) => ({ items: itemsOf(prompts(credits / 10, 'Tight')) });

    // 350 crosses the key's 200 (by 150) and the project's 300 (by 50): the key is tightest.
    const quote = await api.quote(batchOf(350));
    expect(quote.would_admit).toBe(false);
    expect(quote.shortfall_credits).toBe(0);
    expect(
      quote.budgets.map((b) => [b.scope, b.cap_credits, b.needed_credits, b.would_exceed]).sort(),
    ).toEqual([
      ['account', 1000, 350, false],
      ['api_key', 200, 350, true],
      ['project', 300, 350, true],
    ]);
    let error = await refusal(api.createBatch(batchOf(350)));
    expect(error.budget).toMatchObject({
      budget_id: keyCap.budgetId,
      scope: 'api_key',
      cap_credits: 200,
    });
    expect(error.message).toContain(`API key ${apiKeyId}`);

    // A batch only the project's cap refuses names the project.
    await finance.finance.saveBudget({
      accountId: account.id,
      budgetId: keyCap.budgetId,
      scope: 'api_key',
      apiKeyId,
      capCredits: 5000,
    });
    error = await refusal(api.createBatch(batchOf(350)));
    expect(error.budget).toMatchObject({
      budget_id: projectCap.budgetId,
      scope: 'project',
      project_id: projectId,
    });

    // Another key of the same project shares the project's cap, not the first key's.
    const second = await anotherKey(t.db, account.id);
    await finance.finance.setKeyProject({
      accountId: account.id,
      apiKeyId: second.apiKeyId,
      projectId,
    });
    const secondApi = await clientOf(t, { apiKey: second.secret });
    await secondApi.createBatch(batchOf(250));
    error = await refusal(api.createBatch(batchOf(100)));
    expect(error.budget).toMatchObject({
      scope: 'project',
      used_credits: 250,
      remaining_credits: 50,
    });

    // Lift the project's cap: now the account's (1000, 250 used) is the tightest for 800.
    await finance.finance.saveBudget({
      accountId: account.id,
      budgetId: projectCap.budgetId,
      scope: 'project',
      projectId,
      capCredits: 10_000,
    });
    error = await refusal(api.createBatch(batchOf(800)));
    expect(error.budget).toMatchObject({
      budget_id: accountCap.budgetId,
      scope: 'account',
      used_credits: 250,
      needed_credits: 800,
    });
    const { batch } = await api.createBatch(batchOf(750));
    expect(batch.required_credits).toBe(750);
    expect((await api.quote(batchOf(10))).would_admit).toBe(false);
  });

  it('a soft cap admits and alerts; a per-model cap counts only its model', async () => {
    const { account, apiKeyId, secret } = await accountWithKey(t.db, 100_000);
    await t.db.model.create({
      data: {
        id: 'budget-model',
        displayName: 'Budget model',
        provider: 'simulator',
        providerModel: 'budget-model',
        priceCredits: 25,
      },
    });
    const { finance } = await financeCaller(t);
    const soft = await finance.finance.saveBudget({
      accountId: account.id,
      scope: 'api_key',
      apiKeyId,
      capCredits: 30,
      enforcement: 'soft',
      thresholdPercents: [50],
    });
    const perModel = await finance.finance.saveBudget({
      accountId: account.id,
      scope: 'account',
      model: 'budget-model',
      capCredits: 50,
    });
    const api = await clientOf(t, { apiKey: secret });
    // 4 × sora-2 (40) crosses the soft cap of 30: admitted, and thresholds 50 % and 100 % fired
    // (100 % is added to every soft cap).
    await api.createBatch({ items: itemsOf(prompts(4, 'Soft')) });
    const budgets = await api.budgets();
    expect(budgets.data.find((b) => b.budget_id === soft.budgetId)).toMatchObject({
      threshold_percents: [50, 100],
      used_credits: 40,
      fired_thresholds: [50, 100],
    });
    // The model's cap: sora-2 items do not count, two budget-model items (50) fit, a third does not.
    expect(budgets.data.find((b) => b.budget_id === perModel.budgetId)?.used_credits).toBe(0);
    await api.createBatch({
      items: [
        { prompt: 'A', model: 'budget-model' },
        { prompt: 'B', model: 'budget-model' },
        { prompt: 'C', model: DEMO_MODEL },
      ],
    });
    const error = await refusal(
      api.createBatch({
        items: [
          { prompt: 'D', model: 'budget-model' },
          { prompt: 'E', model: DEMO_MODEL },
        ],
      }),
    );
    expect(error.budget).toMatchObject({
      budget_id: perModel.budgetId,
      model: 'budget-model',
      used_credits: 50,
      needed_credits: 25,
    });
    expect((error.body as BudgetExceededResponse).required_credits).toBe(35);
  });
});
