// Bad input to finance controls (issue 17) gets a clear refusal and changes nothing; the database
// refuses the same shapes again (caps > 0, thresholds 1–100 ascending, targets of the budget's own
// account, append-only alerts, a batch's attribution fixed).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers';
import {
  callerFor,
  createStaff,
  expectTrpcError,
  sessionCookieFrom,
  trpcHttp,
} from './support/admin';
import { accountWithKey, financeCaller } from './support/finance';
import { clientOf, itemsOf } from './support/scenarios';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

/** What finance's changes could touch: nothing of it may move on a refusal. */
async function snapshot() {
  const [budgets, projects, audit, keys, settings] = await Promise.all([
    t.db.budget.findMany({ orderBy: { id: 'asc' } }),
    t.db.project.findMany({ orderBy: { id: 'asc' } }),
    t.db.auditLog.count(),
    t.db.apiKey.findMany({ select: { id: true, projectId: true }, orderBy: { id: 'asc' } }),
    t.db.accountAlertSettings.findMany(),
  ]);
  return { budgets, projects, audit, keys, settings };
}

describe('finance’s changes refuse bad input and change nothing', () => {
  it('caps, thresholds, unknown targets, another account’s key or project, time zones, URLs, roles', async () => {
    const mine = await accountWithKey(t.db, 1000, 'Mine');
    const theirs = await accountWithKey(t.db, 1000, 'Theirs');
    const { finance } = await financeCaller(t);
    const { projectId: theirProject } = await finance.finance.createProject({
      accountId: theirs.account.id,
      name: 'Theirs',
    });
    await finance.finance.saveBudget({
      accountId: mine.account.id,
      scope: 'account',
      capCredits: 100,
    });
    const before = await snapshot();
    const base = { accountId: mine.account.id, scope: 'account' as const, capCredits: 100 };

    for (const capCredits of [-5, 0, 1.5, 2_000_000_000]) {
      await expectTrpcError(
        finance.finance.saveBudget({ ...base, model: 'sora-2', capCredits }),
        'BAD_REQUEST',
      );
    }
    for (const thresholdPercents of [[0], [101], [80.5], [-10, 50]]) {
      await expectTrpcError(
        finance.finance.saveBudget({ ...base, model: 'sora-2', thresholdPercents }),
        'BAD_REQUEST',
      );
    }
    const reason = async (call: Promise<unknown>, code: 'NOT_FOUND' | 'CONFLICT' | 'BAD_REQUEST') =>
      ((await expectTrpcError(call, code)).cause as { reason?: string } | undefined)?.reason;
    expect(
      await reason(
        finance.finance.saveBudget({ ...base, scope: 'project', projectId: randomUUID() }),
        'NOT_FOUND',
      ),
    ).toBe('project_not_found');
    expect(
      await reason(
        finance.finance.saveBudget({ ...base, scope: 'project', projectId: theirProject }),
        'NOT_FOUND',
      ),
    ).toBe('project_not_found');
    expect(
      await reason(
        finance.finance.saveBudget({ ...base, scope: 'api_key', apiKeyId: theirs.apiKeyId }),
        'NOT_FOUND',
      ),
    ).toBe('api_key_not_found');
    expect(
      await reason(finance.finance.saveBudget({ ...base, model: 'no-such-model' }), 'NOT_FOUND'),
    ).toBe('model_not_found');
    expect(await reason(finance.finance.saveBudget(base), 'CONFLICT')).toBe('budget_exists');
    expect(
      await reason(
        finance.finance.setKeyProject({
          accountId: mine.account.id,
          apiKeyId: mine.apiKeyId,
          projectId: theirProject,
        }),
        'NOT_FOUND',
      ),
    ).toBe('project_not_found');
    expect(
      await reason(
        finance.finance.setKeyProject({
          accountId: mine.account.id,
          apiKeyId: theirs.apiKeyId,
          projectId: null,
        }),
        'NOT_FOUND',
      ),
    ).toBe('api_key_not_found');
    const settings = {
      accountId: mine.account.id,
      timeZone: 'UTC',
      webhookUrl: null,
      lowBalanceCredits: null,
    };
    expect(
      await reason(
        finance.finance.setAlertSettings({ ...settings, timeZone: 'Mars/Olympus' }),
        'BAD_REQUEST',
      ),
    ).toBe('invalid_time_zone');
    await expectTrpcError(
      finance.finance.setAlertSettings({ ...settings, lowBalanceCredits: -1 }),
      'BAD_REQUEST',
    );
    const strict = callerFor(t, (await createStaff(t.db, 'finance')).user, {
      allowPrivateNetworks: false,
    });
    for (const webhookUrl of [
      'ftp://hooks.example/x',
      'http://hooks.example/x',
      'https://127.0.0.1/x',
    ]) {
      expect(
        await reason(strict.finance.setAlertSettings({ ...settings, webhookUrl }), 'BAD_REQUEST'),
      ).toBe('invalid_webhook_url');
    }
    const support = callerFor(t, (await createStaff(t.db, 'support')).user);
    await expectTrpcError(support.finance.saveBudget({ ...base, model: 'sora-2' }), 'FORBIDDEN');
    await expectTrpcError(support.finance.overview({ accountId: mine.account.id }), 'FORBIDDEN');

    expect(await snapshot()).toEqual(before);
  });

  it('every change is audited with who made it, before and after', async () => {
    const { account, apiKeyId } = await accountWithKey(t.db, 1000);
    const { user, finance } = await financeCaller(t);
    const { projectId } = await finance.finance.createProject({
      accountId: account.id,
      name: 'Ads',
    });
    await finance.finance.setKeyProject({ accountId: account.id, apiKeyId, projectId });
    const { budgetId } = await finance.finance.saveBudget({
      accountId: account.id,
      scope: 'project',
      projectId,
      capCredits: 300,
    });
    await finance.finance.saveBudget({
      accountId: account.id,
      budgetId,
      scope: 'project',
      projectId,
      capCredits: 400,
    });
    await finance.finance.setAlertSettings({
      accountId: account.id,
      timeZone: 'America/New_York',
      webhookUrl: 'https://hooks.example.com/alerts',
      lowBalanceCredits: 50,
    });
    await finance.finance.deleteBudget({ accountId: account.id, budgetId });
    const rows = await t.db.auditLog.findMany({
      where: { actorUserId: user.id },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((r) => r.action)).toEqual([
      'project.created',
      'api_key.project_set',
      'budget.created',
      'budget.updated',
      'account.alert_settings_set',
      'budget.deleted',
    ]);
    expect(rows[3]).toMatchObject({
      before: expect.objectContaining({ cap_credits: 300 }),
      after: expect.objectContaining({ cap_credits: 400 }),
      actor: `admin:${user.email}`,
    });
    expect(rows[4]?.after).toMatchObject({
      time_zone: 'America/New_York',
      low_balance_credits: 50,
    });
  });
});

describe('over HTTP, as the admin app calls it, and for the account’s own reads', () => {
  it('answers 400/404 with the reason, and another account sees none of it', async () => {
    const mine = await accountWithKey(t.db, 1000);
    const theirs = await accountWithKey(t.db, 1000);
    const staff = await createStaff(t.db, 'finance');
    const signIn = await trpcHttp(t.baseUrl, 'mutation', 'auth.signIn', {
      email: staff.user.email,
      password: staff.password,
    });
    const cookie = sessionCookieFrom(signIn.setCookies)?.value ?? null;
    const save = (input: Record<string, unknown>) =>
      trpcHttp(t.baseUrl, 'mutation', 'finance.saveBudget', input, { cookie });
    const base = { accountId: mine.account.id, scope: 'account', capCredits: 100 };
    const before = await snapshot();

    let answer = await save({ ...base, capCredits: -1 });
    expect([answer.status, answer.error?.data.code]).toEqual([400, 'BAD_REQUEST']);
    answer = await save({ ...base, thresholdPercents: [80, 101] });
    expect([answer.status, answer.error?.data.code]).toEqual([400, 'BAD_REQUEST']);
    answer = await save({ ...base, scope: 'project', projectId: randomUUID() });
    expect([answer.status, answer.error?.data.reason]).toEqual([404, 'project_not_found']);
    answer = await save({ ...base, scope: 'api_key', apiKeyId: theirs.apiKeyId });
    expect([answer.status, answer.error?.data.reason]).toEqual([404, 'api_key_not_found']);
    expect(await snapshot()).toEqual(before);

    // The account's own reads show its own caps only.
    answer = await save(base);
    expect(answer.status).toBe(200);
    const other = await clientOf(t, { apiKey: theirs.secret });
    expect((await other.budgets()).data).toEqual([]);
    expect((await other.listProjects()).data).toEqual([]);
    expect((await other.alerts()).data).toEqual([]);
    expect((await (await clientOf(t, { apiKey: mine.secret })).budgets()).data).toHaveLength(1);
  });
});

describe('the database refuses what the rules forbid', () => {
  it('caps ≤ 0, thresholds outside 1–100 or out of order, a target of another account, edits of alerts and attribution', async () => {
    const mine = await accountWithKey(t.db, 1000);
    const theirs = await accountWithKey(t.db, 1000);
    const project = await t.db.project.create({
      data: { accountId: theirs.account.id, name: 'P' },
    });
    const insert = (fields: string, values: string) =>
      t.db.$executeRawUnsafe(
        `INSERT INTO budgets (account_id, created_by, ${fields}) VALUES ('${mine.account.id}', 'test', ${values})`,
      );
    const refused = async (promise: Promise<unknown>, pattern: RegExp) =>
      expect(promise).rejects.toThrow(pattern);
    await refused(insert('scope, cap_credits', `'account', 0`), /budgets_cap_positive/);
    await refused(insert('scope, cap_credits', `'account', -1`), /budgets_cap_positive/);
    await refused(
      insert('scope, cap_credits, threshold_percents', `'account', 10, '{101}'`),
      /budgets_thresholds_in_range/,
    );
    await refused(
      insert('scope, cap_credits, threshold_percents', `'account', 10, '{0}'`),
      /budgets_thresholds_in_range/,
    );
    await refused(
      insert('scope, cap_credits, threshold_percents', `'account', 10, '{90,80}'`),
      /budgets_thresholds_ascending/,
    );
    await refused(
      insert('scope, cap_credits, api_key_id', `'project', 10, '${mine.apiKeyId}'`),
      /budgets_scope_target/,
    );
    // Another account's project or key: the composite foreign keys.
    await refused(
      insert('scope, cap_credits, project_id', `'project', 10, '${project.id}'`),
      /foreign key/,
    );
    await refused(
      insert('scope, cap_credits, api_key_id', `'api_key', 10, '${theirs.apiKeyId}'`),
      /foreign key/,
    );
    await refused(
      t.db.$executeRawUnsafe(
        `UPDATE api_keys SET project_id = '${project.id}' WHERE id = '${mine.apiKeyId}'`,
      ),
      /foreign key/,
    );
    await refused(
      t.db.$executeRawUnsafe(
        `INSERT INTO account_alert_settings (account_id, low_balance_credits, updated_by) VALUES ('${mine.account.id}', 0, 't')`,
      ),
      /account_alert_settings_low_balance_positive/,
    );

    // An alert, once written, stays as written; a batch keeps the key it was admitted with.
    await t.db.financeAlert.create({
      data: {
        accountId: mine.account.id,
        kind: 'balance_low',
        balance: 1,
        lowBalanceCredits: 5,
        eventId: `evt_${randomUUID()}`,
        payload: {},
      },
    });
    await refused(t.db.$executeRawUnsafe('UPDATE finance_alerts SET balance = 2'), /append-only/);
    await refused(t.db.$executeRawUnsafe('DELETE FROM finance_alerts'), /append-only/);
    const api = await clientOf(t, { apiKey: mine.secret });
    const { batch } = await api.createBatch({ items: itemsOf(['Attributed']) });
    expect(await t.db.batchJob.findUnique({ where: { id: batch.batch_id } })).toMatchObject({
      apiKeyId: mine.apiKeyId,
      projectId: null,
    });
    await refused(
      t.db.$executeRawUnsafe(
        `UPDATE batch_jobs SET api_key_id = NULL WHERE id = '${batch.batch_id}'`,
      ),
      /keeps the API key and project/,
    );
  });
});
