import { randomUUID } from 'node:crypto';
import type { Database } from '@batchreel/db';
import { createBatch, createModel } from '@batchreel/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../src/app/trpc-router';
import { DEMO } from '../src/demo/seed';
import type { StaffRole, StaffUser } from '../src/staff/identity';
import { startTestApp, type TestApp } from './helpers';
import { callerFor, createStaff, outcomeOf, type Staff } from './support/admin';

// Who may call what (docs/product.md §7), procedure by procedure: the least role that may, or 'public'.
// Roles are ordered support < finance < admin. A procedure added to the router without a line
// here fails the first test, so its access is decided on purpose, not by default.
type Access = 'public' | StaffRole;
const ACCESS: Record<string, Access> = {
  'auth.signIn': 'public',
  'auth.me': 'public',
  'auth.signOut': 'support',

  'batches.list': 'support',
  'batches.get': 'support',
  'batches.tasks': 'support',
  'batches.searchFailed': 'support',
  'batches.errorCodes': 'support',
  'batches.billing': 'finance',
  'batches.quote': 'finance',
  'batches.create': 'finance',
  'batches.retryFailed': 'finance',

  'accounts.list': 'support',
  'accounts.get': 'support',
  'accounts.topUp': 'finance',
  'accounts.adjust': 'finance',
  'accounts.apiKeys': 'admin',
  'accounts.createApiKey': 'admin',
  'accounts.revokeApiKey': 'admin',
  'accounts.onboard': 'admin',

  'ledger.list': 'finance',
  'ledger.dashboard': 'finance',
  'ledger.integrity': 'finance',
  'ledger.audit': 'finance',
  'ledger.models': 'support',

  'webhooks.list': 'support',
  'webhooks.redeliver': 'support',

  'users.list': 'admin',
  'users.create': 'admin',
  'users.update': 'admin',

  'models.list': 'admin',
  'models.providers': 'admin',
  'models.create': 'admin',
  'models.update': 'admin',
  'models.previewRetirement': 'admin',
  'models.retire': 'admin',
  'models.handleRetiredQueue': 'admin',

  'costs.report': 'finance',
  'costs.setCreditValue': 'finance',

  'storage.byAccount': 'support',
  'storage.accountStorage': 'support',
  'storage.setRetention': 'admin',
  'finance.overview': 'finance',
  'finance.alerts': 'finance',
  'finance.statements': 'finance',
  'finance.createProject': 'finance',
  'finance.setKeyProject': 'finance',
  'finance.saveBudget': 'finance',
  'finance.deleteBudget': 'finance',
  'finance.setAlertSettings': 'finance',
};

/** Procedures that move or reveal money: support must be refused every one of them. */
const MONEY = [
  'accounts.topUp',
  'accounts.adjust',
  'accounts.onboard',
  'batches.billing',
  'batches.quote',
  'batches.create',
  'batches.retryFailed',
  'ledger.list',
  'ledger.dashboard',
  'ledger.integrity',
  'ledger.audit',
  'costs.report',
  'costs.setCreditValue',
  'finance.overview',
  'finance.alerts',
  'finance.statements',
  'finance.createProject',
  'finance.setKeyProject',
  'finance.saveBudget',
  'finance.deleteBudget',
  'finance.setAlertSettings',
];

const RANK: Record<Access, number> = { public: 0, support: 1, finance: 2, admin: 3 };
const ROLES = ['signed out', 'support', 'finance', 'admin'] as const;
type Who = (typeof ROLES)[number];

function expected(access: Access, who: Who): string {
  if (access === 'public') return 'OK';
  if (who === 'signed out') return 'UNAUTHORIZED';
  return RANK[who] >= RANK[access] ? 'OK' : 'FORBIDDEN';
}

let t: TestApp;
let staff: Record<StaffRole, Staff>;
let accountId: string;
let batchId: string;

beforeAll(async () => {
  t = await startTestApp();
  staff = {
    support: await createStaff(t.db, 'support'),
    finance: await createStaff(t.db, 'finance'),
    admin: await createStaff(t.db, 'admin'),
  };
  const account = await t.db.account.findFirstOrThrow({ where: { name: DEMO.accountName } });
  accountId = account.id;
  const model = await t.db.model.findUniqueOrThrow({ where: { id: DEMO.model.id } });
  batchId = (await createBatch(t.db, { accountId, model, taskCount: 3 })).batch.id;
});
afterAll(() => t?.close());

/**
 * A valid input for each procedure, built fresh for every call, so an allowed call succeeds
 * (a second redelivery or revocation of the same thing would be refused for another reason).
 */
const INPUTS: Record<string, () => unknown | Promise<unknown>> = {
  'auth.signIn': () => ({ email: staff.support.user.email, password: staff.support.password }),
  'auth.me': () => undefined,
  'auth.signOut': () => undefined,
  'batches.list': () => ({}),
  'batches.get': () => ({ batchId }),
  'batches.tasks': () => ({ batchId }),
  'batches.searchFailed': () => ({ text: 'cat' }),
  'batches.errorCodes': () => undefined,
  'batches.billing': () => ({ batchId }),
  'batches.quote': () => ({ accountId, request: batchRequest() }),
  'batches.create': () => ({ accountId, request: batchRequest() }),
  'batches.retryFailed': async () => ({ batchId: await settledBatchWithAFailure() }),
  'storage.byAccount': () => undefined,
  'storage.accountStorage': () => ({ accountId }),
  'storage.setRetention': () => ({ accountId, retentionSeconds: 30 * 86_400 }),
  'accounts.list': () => undefined,
  'accounts.get': () => ({ accountId }),
  'accounts.topUp': () => ({ accountId, credits: 100, reason: 'Invoice paid' }),
  'accounts.adjust': () => ({ accountId, creditsDelta: -1, reason: 'Goodwill correction' }),
  'accounts.apiKeys': () => ({ accountId }),
  'accounts.createApiKey': () => ({ accountId, name: 'Matrix key' }),
  'accounts.revokeApiKey': async () => ({ accountId, keyId: await newApiKeyId() }),
  'accounts.onboard': () => ({
    name: `Pilot ${randomUUID().slice(0, 8)}`,
    credits: 1000,
    reason: 'Pilot contract',
  }),
  'ledger.list': () => ({}),
  'ledger.dashboard': () => ({}),
  'ledger.integrity': () => undefined,
  'ledger.audit': () => ({}),
  'ledger.models': () => undefined,
  'webhooks.list': () => ({}),
  'webhooks.redeliver': async () => ({ deliveryId: await newFailedDelivery() }),
  'users.list': () => undefined,
  'users.create': () => ({
    email: `new-${randomUUID().slice(0, 8)}@batchreel.test`,
    displayName: 'New colleague',
    role: 'support',
  }),
  'users.update': async () => ({
    userId: (await createStaff(t.db, 'support')).user.id,
    role: 'finance',
  }),
  'models.list': () => undefined,
  'models.providers': () => undefined,
  'models.create': () => ({ id: `matrix-${randomUUID().slice(0, 8)}`, ...modelSettings }),
  'models.update': async () => ({ id: (await createModel(t.db)).id, ...modelSettings }),
  'models.previewRetirement': () => ({ id: DEMO.model.id, replacement: null }),
  'models.retire': async () => ({ id: (await createModel(t.db)).id, replacement: null }),
  'models.handleRetiredQueue': async () => {
    const { id } = await createModel(t.db);
    await t.db.model.update({ where: { id }, data: { retiredAt: new Date(), enabled: false } });
    return { id };
  },
  'costs.report': () => ({
    groupBy: 'day',
    from: new Date(Date.now() - 7 * 86_400_000),
    to: new Date(),
  }),
  'costs.setCreditValue': () => ({ usdMicrosPerCredit: 10_000 }),
  'finance.overview': () => ({ accountId }),
  'finance.alerts': () => ({}),
  'finance.statements': () => ({ accountId }),
  'finance.createProject': () => ({ accountId, name: `Matrix ${randomUUID().slice(0, 8)}` }),
  'finance.setKeyProject': async () => ({
    accountId,
    apiKeyId: await newApiKeyId(),
    projectId: await newProjectId(),
  }),
  'finance.saveBudget': async () => ({
    accountId,
    scope: 'project',
    projectId: await newProjectId(),
    capCredits: 1000,
  }),
  'finance.deleteBudget': async () => {
    const budget = await t.db.budget.create({
      data: {
        accountId,
        scope: 'project',
        projectId: await newProjectId(),
        capCredits: 1000,
        createdBy: 'test',
      },
    });
    return { accountId, budgetId: budget.id };
  },
  'finance.setAlertSettings': () => ({
    accountId,
    timeZone: 'UTC',
    webhookUrl: null,
    lowBalanceCredits: null,
  }),
};

/** A batch that never ran (nothing frozen) and settled with its one task failed. */
async function settledBatchWithAFailure() {
  const model = await t.db.model.findUniqueOrThrow({ where: { id: DEMO.model.id } });
  const { batch, tasks } = await createBatch(t.db, { accountId, model, taskCount: 1 });
  await t.db.videoTask.update({
    where: { id: tasks[0]?.id },
    data: {
      status: 'failed',
      errorCode: 'timeout',
      errorMessage: 'timeout',
      finishedAt: new Date(),
    },
  });
  await t.db.batchJob.update({
    where: { id: batch.id },
    data: { status: 'failed', settlementStatus: 'settled', failedCount: 1, settledAt: new Date() },
  });
  return batch.id;
}

async function newProjectId() {
  const project = await t.db.project.create({
    data: { accountId, name: `Matrix ${randomUUID().slice(0, 8)}` },
  });
  return project.id;
}

const modelSettings = {
  displayName: 'Matrix model',
  provider: 'simulator',
  providerModel: 'matrix',
  pricing: { kind: 'per_second', creditsPerSecond: { '1280x720': 2 } },
  allowedSeconds: [4, 8],
  allowedSizes: ['1280x720'],
  maxConcurrency: 4,
  providerCost: { unit: 'usd_micros', perSecond: { '1280x720': 50_000 } },
  enabled: true,
};

const batchRequest = () => ({ items: [{ prompt: 'A cat playing piano', model: DEMO.model.id }] });

async function newApiKeyId() {
  const key = await t.db.apiKey.create({
    data: { accountId, name: 'to revoke', prefix: 'br_live_test', keyHash: randomUUID() },
  });
  return key.id;
}

async function newFailedDelivery() {
  const delivery = await t.db.webhookDelivery.create({
    data: {
      accountId,
      eventId: `evt_${randomUUID()}`,
      eventType: 'batch.completed',
      url: 'https://customer.example/webhook',
      payload: { type: 'batch.completed' },
      status: 'failed',
      attemptCount: 3,
    },
  });
  return delivery.id;
}

type Procedure = (input?: unknown) => Promise<unknown>;

/** `caller.batches.list`-style access by the dotted path of a procedure. */
function procedureAt(caller: ReturnType<typeof callerFor>, path: string): Procedure {
  // biome-ignore lint/suspicious/noExplicitAny: the caller is a proxy walked by path segments
  return path.split('.').reduce((node: any, key) => node[key], caller) as Procedure;
}

const userOf = (who: Who): StaffUser | null => (who === 'signed out' ? null : staff[who].user);

function call(path: string, who: Who, input: unknown) {
  return outcomeOf(procedureAt(callerFor(t, userOf(who)), path)(input));
}

/** What a refused call must not have changed: money, the audit trail, keys, users, batches. */
async function snapshot(db: Database) {
  return {
    ledgerRows: await db.creditLedger.count(),
    balances: await db.account.findMany({
      select: { id: true, balance: true },
      orderBy: { id: 'asc' },
    }),
    auditRows: await db.auditLog.count(),
    batches: await db.batchJob.count(),
    apiKeys: await db.apiKey.count({ where: { revokedAt: null } }),
    users: await db.adminUser.findMany({
      select: { id: true, role: true, disabledAt: true },
      orderBy: { id: 'asc' },
    }),
    pendingDeliveries: await db.webhookDelivery.count({ where: { status: 'pending' } }),
  };
}

describe('admin tRPC permissions', () => {
  it('has an access rule for every procedure of the router, and an input for each', () => {
    const procedures = Object.keys(appRouter._def.procedures).sort();
    expect(procedures).toEqual(Object.keys(ACCESS).sort());
    expect(Object.keys(INPUTS).sort()).toEqual(procedures);
    for (const path of MONEY) expect(RANK[ACCESS[path] ?? 'public']).toBeGreaterThan(1);
  });

  it('allows and refuses every procedure for every role exactly as intended', async () => {
    const procedures = Object.keys(appRouter._def.procedures).sort();
    const want: Record<string, Record<Who, string>> = {};
    const got: Record<string, Record<Who, string>> = {};
    for (const path of procedures) {
      want[path] = Object.fromEntries(
        ROLES.map((who) => [who, expected(ACCESS[path] ?? 'admin', who)]),
      ) as Record<Who, string>;
      got[path] = {} as Record<Who, string>;
    }

    const cells = procedures.flatMap((path) => ROLES.map((who) => ({ path, who })));
    const record = (path: string, who: Who, outcome: string) => {
      (got[path] as Record<Who, string>)[who] = outcome;
    };

    // Refused calls first, all of them (their fixtures made beforehand): together they must
    // leave no trace.
    const refused = cells.filter(({ path, who }) => want[path]?.[who] !== 'OK');
    const inputs = await Promise.all(refused.map(({ path }) => INPUTS[path]?.()));
    const before = await snapshot(t.db);
    for (const [i, { path, who }] of refused.entries()) {
      record(path, who, await call(path, who, inputs[i]));
    }
    expect(await snapshot(t.db)).toEqual(before);

    // Then the allowed ones, which must succeed (valid inputs, fresh fixtures).
    for (const { path, who } of cells.filter(({ path, who }) => want[path]?.[who] === 'OK')) {
      record(path, who, await call(path, who, await INPUTS[path]?.()));
    }
    expect(got).toEqual(want);
  });

  it('refuses support every money procedure with FORBIDDEN, whatever the input, and writes nothing', async () => {
    const support = callerFor(t, staff.support.user);
    const inputs = await Promise.all(MONEY.map((path) => INPUTS[path]?.()));
    const before = await snapshot(t.db);
    for (const [i, path] of MONEY.entries()) {
      const valid = inputs[i];
      expect(await outcomeOf(procedureAt(support, path)(valid)), path).toBe('FORBIDDEN');
      // The role is checked before the input: a malformed call learns nothing more.
      expect(await outcomeOf(procedureAt(support, path)({ junk: true })), path).toBe('FORBIDDEN');
    }
    // Large sums change nothing either.
    expect(
      await outcomeOf(
        support.accounts.topUp({ accountId, credits: 1_000_000, reason: 'I am support' }),
      ),
    ).toBe('FORBIDDEN');
    expect(
      await outcomeOf(
        support.accounts.adjust({ accountId, creditsDelta: -4_000, reason: 'I am support' }),
      ),
    ).toBe('FORBIDDEN');
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('refuses finance the key and user procedures with FORBIDDEN and writes nothing', async () => {
    const finance = callerFor(t, staff.finance.user);
    const paths = Object.keys(ACCESS).filter((p) => ACCESS[p] === 'admin');
    const inputs = await Promise.all(paths.map((path) => INPUTS[path]?.()));
    const before = await snapshot(t.db);
    for (const [i, path] of paths.entries()) {
      expect(await outcomeOf(procedureAt(finance, path)(inputs[i])), path).toBe('FORBIDDEN');
    }
    expect(await snapshot(t.db)).toEqual(before);
  });
});
