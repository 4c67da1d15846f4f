import { randomUUID } from 'node:crypto';
import { checkAccountLedger } from '@batchreel/billing';
import { createAccount } from '@batchreel/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers';
import { callerFor, createStaff, expectTrpcError, type Staff } from './support/admin';

// Money and key actions of the admin (docs/product.md §5, §7): exactly one ledger row and one audit row per
// action, written together or not at all, with the acting staff member on both.

let t: TestApp;
let finance: Staff;
let admin: Staff;

beforeAll(async () => {
  t = await startTestApp();
  finance = await createStaff(t.db, 'finance');
  admin = await createStaff(t.db, 'admin');
});
afterAll(() => t?.close());

/** Everything a money action may write, counted. */
async function counts(accountId: string) {
  const account = await t.db.account.findUniqueOrThrow({ where: { id: accountId } });
  return {
    balance: account.balance,
    ledgerRows: await t.db.creditLedger.count(),
    auditRows: await t.db.auditLog.count(),
  };
}

/** docs/product.md §5.5 over the account: balance = Σ ledger, chained balance_after, never below zero. */
async function expectBooksBalance(accountId: string) {
  const account = await t.db.account.findUniqueOrThrow({ where: { id: accountId } });
  const rows = await t.db.creditLedger.findMany({ where: { accountId }, orderBy: { id: 'asc' } });
  expect(
    checkAccountLedger(
      account,
      rows.map((r) => ({ ...r, id: r.id.toString() })),
    ),
  ).toEqual([]);
}

async function balanceOverRest(secret: string) {
  const response = await fetch(`${t.baseUrl}/api/enterprise/balance`, {
    headers: { 'x-api-key': secret },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('top-ups and adjustments', () => {
  it('a top-up writes one topup ledger row and one audit row, with the reason and the actor', async () => {
    const account = await createAccount(t.db, { credits: 100 });
    const before = await counts(account.id);
    const result = await callerFor(t, finance.user).accounts.topUp({
      accountId: account.id,
      credits: 250,
      reason: '  Invoice 2026-117 paid  ',
    });
    expect(result.balanceAfter).toBe(350);
    expect(await counts(account.id)).toEqual({
      balance: 350,
      ledgerRows: before.ledgerRows + 1,
      auditRows: before.auditRows + 1,
    });

    const row = await t.db.creditLedger.findFirstOrThrow({
      where: { accountId: account.id },
      orderBy: { id: 'desc' },
    });
    expect(row).toMatchObject({
      id: BigInt(result.ledgerId),
      refType: 'topup',
      creditsDelta: 250,
      balanceAfter: 350,
      memo: 'Invoice 2026-117 paid',
      actor: `admin:${finance.user.email}`,
      taskId: null,
    });
    const audit = await t.db.auditLog.findFirstOrThrow({ orderBy: { id: 'desc' } });
    expect(audit).toMatchObject({
      actorUserId: finance.user.id,
      actor: `admin:${finance.user.email}`,
      action: 'account.topped_up',
      targetType: 'account',
      targetId: account.id,
      before: { balance: 100 },
      after: {
        balance: 350,
        credits_delta: 250,
        ledger_id: result.ledgerId,
        reason: 'Invoice 2026-117 paid',
      },
    });
    await expectBooksBalance(account.id);
  });

  it('an adjustment either way writes one adjustment row and one audit row', async () => {
    const account = await createAccount(t.db, { credits: 500 });
    const caller = callerFor(t, admin.user);
    const down = await caller.accounts.adjust({
      accountId: account.id,
      creditsDelta: -120,
      reason: 'Duplicate grant in October',
    });
    const up = await caller.accounts.adjust({
      accountId: account.id,
      creditsDelta: 20,
      reason: 'Goodwill for the outage',
    });
    expect([down.balanceAfter, up.balanceAfter]).toEqual([380, 400]);

    const rows = await t.db.creditLedger.findMany({
      where: { accountId: account.id, refType: 'adjustment' },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((r) => [r.creditsDelta, r.balanceAfter, r.memo, r.actor])).toEqual([
      [-120, 380, 'Duplicate grant in October', `admin:${admin.user.email}`],
      [20, 400, 'Goodwill for the outage', `admin:${admin.user.email}`],
    ]);
    const audits = await t.db.auditLog.findMany({
      where: { targetId: account.id, action: 'account.adjusted' },
      orderBy: { id: 'asc' },
    });
    expect(audits.map((a) => [a.actorUserId, a.before, a.after])).toEqual([
      [
        admin.user.id,
        { balance: 500 },
        expect.objectContaining({ balance: 380, credits_delta: -120 }),
      ],
      [
        admin.user.id,
        { balance: 380 },
        expect.objectContaining({ balance: 400, credits_delta: 20 }),
      ],
    ]);
    await expectBooksBalance(account.id);
  });

  it('requires a reason, a whole non-zero amount and a known account, and writes nothing otherwise', async () => {
    const account = await createAccount(t.db, { credits: 100 });
    const before = await counts(account.id);
    const caller = callerFor(t, finance.user);
    const refusals = [
      caller.accounts.topUp({ accountId: account.id, credits: 10 } as never),
      caller.accounts.topUp({ accountId: account.id, credits: 10, reason: '' }),
      caller.accounts.topUp({ accountId: account.id, credits: 10, reason: '    ' }),
      caller.accounts.adjust({ accountId: account.id, creditsDelta: -5 } as never),
      caller.accounts.adjust({ accountId: account.id, creditsDelta: -5, reason: ' \t ' }),
      caller.accounts.adjust({ accountId: account.id, creditsDelta: 0, reason: 'Nothing at all' }),
      caller.accounts.topUp({ accountId: account.id, credits: -10, reason: 'Negative top-up' }),
      caller.accounts.topUp({ accountId: account.id, credits: 2.5, reason: 'Half a credit' }),
    ];
    for (const refusal of refusals) {
      const error = await expectTrpcError(refusal, 'BAD_REQUEST');
      expect(error.message).not.toBe('');
    }
    await expectTrpcError(
      caller.accounts.topUp({ accountId: randomUUID(), credits: 10, reason: 'Unknown account' }),
      'NOT_FOUND',
    );
    expect(await counts(account.id)).toEqual(before);
  });

  it('refuses an adjustment that would take the balance below zero with PRECONDITION_FAILED, writing nothing', async () => {
    const account = await createAccount(t.db, { credits: 100 });
    const before = await counts(account.id);
    const error = await expectTrpcError(
      callerFor(t, finance.user).accounts.adjust({
        accountId: account.id,
        creditsDelta: -101,
        reason: 'Claw back more than there is',
      }),
      'PRECONDITION_FAILED',
    );
    expect(error.message).toMatch(/below zero/);
    expect(await counts(account.id)).toEqual(before);

    // Down to exactly zero is allowed.
    const zero = await callerFor(t, finance.user).accounts.adjust({
      accountId: account.id,
      creditsDelta: -100,
      reason: 'Close the account',
    });
    expect(zero.balanceAfter).toBe(0);
    await expectBooksBalance(account.id);
  });

  it('writes the ledger row and the audit row in one transaction: no audit, no money', async () => {
    // A staff member deleted after signing in: the audit row cannot reference them (foreign
    // key), so the action fails, and its ledger row must not survive without its audit row.
    const ghost = await createStaff(t.db, 'finance');
    await t.db.adminUser.delete({ where: { id: ghost.user.id } });
    const account = await createAccount(t.db, { credits: 100 });
    const before = await counts(account.id);
    await expectTrpcError(
      callerFor(t, ghost.user).accounts.topUp({
        accountId: account.id,
        credits: 500,
        reason: 'Ghost top-up',
      }),
      'INTERNAL_SERVER_ERROR',
    );
    expect(await counts(account.id)).toEqual(before);
  });

  it('records the true before and after balances when top-ups on one account race', async () => {
    const account = await createAccount(t.db, { credits: 1000 });
    const caller = callerFor(t, finance.user);
    const grants = [10, 20, 30, 40, 50, 60];
    await Promise.all(
      grants.map((credits) =>
        caller.accounts.topUp({ accountId: account.id, credits, reason: `Race ${credits}` }),
      ),
    );
    const audits = await t.db.auditLog.findMany({
      where: { targetId: account.id, action: 'account.topped_up' },
    });
    expect(audits).toHaveLength(grants.length);
    for (const audit of audits) {
      const before = (audit.before as { balance: number }).balance;
      const after = audit.after as { balance: number; credits_delta: number };
      expect(after.balance - before, JSON.stringify({ before, after })).toBe(after.credits_delta);
    }
    expect((await counts(account.id)).balance).toBe(1210);
    await expectBooksBalance(account.id);
  });
});

describe('API keys and onboarding', () => {
  it('shows a new key once; it works on the public API until revoked', async () => {
    const account = await createAccount(t.db, { credits: 777 });
    const caller = callerFor(t, admin.user);
    const created = await caller.accounts.createApiKey({ accountId: account.id, name: 'CI' });
    expect(created.secret).toMatch(/^br_live_[0-9A-Za-z]{40}$/);
    expect(created.key.prefix).toBe(created.secret.slice(0, 12));
    expect(created.key.createdBy).toBe(`admin:${admin.user.email}`);

    const balance = await balanceOverRest(created.secret);
    expect(balance.status).toBe(200);
    expect(balance.body).toMatchObject({ balance: 777 });

    // Listed by prefix; the secret is never shown again.
    const keys = await caller.accounts.apiKeys({ accountId: account.id });
    expect(keys.map((k) => k.id)).toEqual([created.key.id]);
    expect(JSON.stringify(keys)).not.toContain(created.secret);

    await caller.accounts.revokeApiKey({ accountId: account.id, keyId: created.key.id });
    expect((await balanceOverRest(created.secret)).status).toBe(401);
    expect((await caller.accounts.apiKeys({ accountId: account.id }))[0]?.revokedAt).not.toBeNull();

    const audits = await t.db.auditLog.findMany({
      where: { targetId: created.key.id },
      orderBy: { id: 'asc' },
    });
    expect(audits.map((a) => [a.action, a.actorUserId])).toEqual([
      ['api_key.created', admin.user.id],
      ['api_key.revoked', admin.user.id],
    ]);
    // Another account's key is not found through this account.
    const other = await createAccount(t.db);
    await expectTrpcError(
      caller.accounts.revokeApiKey({ accountId: other.id, keyId: created.key.id }),
      'NOT_FOUND',
    );
  });

  it('onboards a customer: the account, its first credits as a topup, and a working key', async () => {
    const caller = callerFor(t, admin.user);
    const ledgerBefore = await t.db.creditLedger.count();
    const onboarded = await caller.accounts.onboard({
      name: 'Pilot Studio GmbH',
      credits: 2500,
      reason: 'Pilot contract PO-4471',
    });
    expect(onboarded.balance).toBe(2500);
    expect(onboarded.keyPrefix).toBe(onboarded.secret.slice(0, 12));

    const account = await t.db.account.findUniqueOrThrow({ where: { id: onboarded.accountId } });
    expect(account).toMatchObject({ name: 'Pilot Studio GmbH', balance: 2500, status: 'active' });
    const rows = await t.db.creditLedger.findMany({ where: { accountId: account.id } });
    expect(rows.map((r) => [r.refType, r.creditsDelta, r.memo, r.actor])).toEqual([
      ['topup', 2500, 'Pilot contract PO-4471', `admin:${admin.user.email}`],
    ]);
    expect(await t.db.creditLedger.count()).toBe(ledgerBefore + 1);

    const balance = await balanceOverRest(onboarded.secret);
    expect(balance.status).toBe(200);
    expect(balance.body).toMatchObject({ balance: 2500, available_credits: 2500 });

    const audits = await t.db.auditLog.findMany({
      where: { actorUserId: admin.user.id, createdAt: { gte: account.createdAt } },
      orderBy: { id: 'asc' },
    });
    expect(audits.map((a) => a.action)).toEqual([
      'account.created',
      'account.topped_up',
      'api_key.created',
    ]);
    const summary = await caller.accounts.get({ accountId: account.id });
    expect(summary).toMatchObject({ balance: 2500, reservedCredits: 0, availableCredits: 2500 });
    await expectBooksBalance(account.id);
  });
});
