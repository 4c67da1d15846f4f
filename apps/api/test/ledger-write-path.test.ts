// The one ledger write path (`postLedgerEntries`, fed by `@batchreel/billing` planners) and the
// one definition of reserved credits, against a real database: what the trigger computes comes
// back, the database still refuses what no rule would plan, refunds are planned from the task's
// real state, and every reader of reserved credits agrees.
import { randomUUID } from 'node:crypto';
import { planAdjustment, planTaskRefund, planTopUp } from '@batchreel/billing';
import { isGuardViolation } from '@batchreel/db';
import { createAccount, createBatch, createModel } from '@batchreel/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/accounts/api-keys';
import { cancelBatch } from '../src/execution/cancel';
import { failTasks } from '../src/execution/finalize';
import { freezeBatch } from '../src/execution/freeze';
import { readAvailability } from '../src/ledger/availability';
import { postLedgerEntries } from '../src/ledger/post';
import { readBusinessSnapshot } from '../src/metrics/business';
import { createLogger } from '../src/platform/logger';
import { startTestApp, type TestApp } from './helpers';
import { callerFor, createStaff, type Staff } from './support/admin';

const logger = createLogger({ LOG_LEVEL: 'silent' });
let t: TestApp;
let model: { id: string; priceCredits: number };
let finance: Staff;

beforeAll(async () => {
  t = await startTestApp({ seed: false });
  model = await createModel(t.db, { priceCredits: 10 });
  finance = await createStaff(t.db, 'finance');
});
afterAll(() => t?.close());

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: { code: string } }): T {
  if (!result.ok) throw new Error(`refused: ${result.error.code}`);
  return result.value;
}

const ledgerOf = (accountId: string) =>
  t.db.creditLedger.findMany({ where: { accountId }, orderBy: { id: 'asc' } });

describe('postLedgerEntries', () => {
  it('writes the postings in the order given and returns what the trigger computed', async () => {
    const account = await createAccount(t.db);
    let balance = 0;
    const postings = [100, 200, 300].map((credits, i) => {
      const plan = unwrap(planTopUp({ balance }, { credits, reason: `grant ${i}` }));
      balance = plan.balanceAfter;
      return {
        entry: plan.ledgerEntry,
        accountId: account.id,
        refId: randomUUID(),
        memo: plan.memo,
        actor: 'test:finance',
      };
    });
    const posted = await t.db.$transaction((tx) => postLedgerEntries(tx, postings));

    const rows = await ledgerOf(account.id);
    expect(rows.map((r) => [r.memo, r.creditsDelta, r.balanceAfter])).toEqual([
      ['grant 0', 100, 100],
      ['grant 1', 200, 300],
      ['grant 2', 300, 600],
    ]);
    expect(posted).toEqual(
      rows.map((r) => ({ id: r.id, balanceAfter: r.balanceAfter, rowHash: r.rowHash })),
    );
    expect(rows.map((r) => r.id - (rows[0]?.id ?? 0n))).toEqual([0n, 1n, 2n]);
    expect((await t.db.account.findUniqueOrThrow({ where: { id: account.id } })).balance).toBe(600);
  });

  it('writes nothing for no postings', async () => {
    const before = await t.db.creditLedger.count();
    expect(await t.db.$transaction((tx) => postLedgerEntries(tx, []))).toEqual([]);
    expect(await t.db.creditLedger.count()).toBe(before);
  });

  it('leaves the last word to the database: a stale plan below zero, a refund out of turn', async () => {
    const account = await createAccount(t.db, { credits: 100 });
    // Planned against 100, written after another correction took 50: the guard refuses it.
    const stale = unwrap(planAdjustment({ balance: 100 }, { creditsDelta: -80, reason: 'stale' }));
    const first = unwrap(planAdjustment({ balance: 100 }, { creditsDelta: -50, reason: 'first' }));
    const post = (plan: typeof stale) =>
      t.db.$transaction((tx) =>
        postLedgerEntries(tx, [
          {
            entry: plan.ledgerEntry,
            accountId: account.id,
            refId: randomUUID(),
            memo: plan.memo,
            actor: 'test:finance',
          },
        ]),
      );
    await post(first);
    const refused = await post(stale).catch((error: unknown) => error);
    expect(isGuardViolation(refused, 'accounts_balance_non_negative')).toBe(true);

    // A refund the rule would approve for a failed task, written for a task still queued.
    const { batch, tasks } = await createBatch(t.db, { accountId: account.id, model });
    const refund = unwrap(planTaskRefund({ status: 'failed', costCredits: 10, refunded: false }));
    const outOfTurn = await t.db
      .$transaction((tx) =>
        postLedgerEntries(tx, [
          {
            entry: refund,
            accountId: account.id,
            refId: batch.id,
            taskId: tasks[0]?.id,
            memo: null,
            actor: 'test',
          },
        ]),
      )
      .catch((error: unknown) => error);
    expect(String(outOfTurn)).toMatch(/only failed or canceled tasks are refunded/);
    expect((await ledgerOf(account.id)).map((r) => r.creditsDelta)).toEqual([100, -50]);
  });
});

describe('refunds planned from the real state', () => {
  it('refunds a failed task once, even when it is ended a second time', async () => {
    const account = await createAccount(t.db, { credits: 1000 });
    const { batch, tasks } = await createBatch(t.db, { accountId: account.id, model });
    expect(await freezeBatch(t.db, t.queue, batch.id, logger)).toBe('frozen');
    const task = tasks[0] as { id: string };
    const fail = () =>
      t.db.$transaction((tx) =>
        failTasks(tx, [{ taskId: task.id, code: 'timeout', message: 'timed out' }], new Date()),
      );

    expect(await fail()).toBe(1);
    // Inconsistent data: someone with owner rights put the failed task back to running past the
    // guards. Ending it again must not pay its price twice; planned as "never refunded" (the
    // old hard-coded state), the refund failed the transaction on the one-refund-per-task index.
    await t.db.$transaction([
      t.db.$executeRaw`SET LOCAL session_replication_role = replica`,
      t.db.$executeRaw`UPDATE video_tasks SET status = 'running' WHERE id = ${task.id}::uuid`,
    ]);
    expect(await fail()).toBe(1);

    const refunds = (await ledgerOf(account.id)).filter((r) => r.refType === 'batch_refund');
    expect(refunds.map((r) => [r.taskId, r.creditsDelta])).toEqual([[task.id, 10]]);
  });

  it('refunds every task a cancel ends, in one statement, at its price', async () => {
    const account = await createAccount(t.db, { credits: 1000 });
    const { batch, tasks } = await createBatch(t.db, {
      accountId: account.id,
      model,
      taskCount: 25,
    });
    expect(await freezeBatch(t.db, t.queue, batch.id, logger)).toBe('frozen');
    const outcome = await cancelBatch(t.db, t.queue, account.id, batch.id, logger);
    expect(outcome).toMatchObject({ kind: 'canceled', canceledTasks: 25, settled: true });

    const refunds = (await ledgerOf(account.id)).filter((r) => r.refType === 'batch_refund');
    expect(refunds).toHaveLength(25);
    // Written in task-id order, so ids rise with task ids.
    expect(refunds.map((r) => r.taskId)).toEqual(tasks.map((task) => task.id).sort());
    expect((await t.db.account.findUniqueOrThrow({ where: { id: account.id } })).balance).toBe(
      1000,
    );
  });
});

describe('freeze', () => {
  it('does not run a batch the account can no longer pay: tasks canceled, nothing charged', async () => {
    const account = await createAccount(t.db, { credits: 100 });
    const { batch } = await createBatch(t.db, { accountId: account.id, model, taskCount: 10 });
    await callerFor(t, finance.user).accounts.adjust({
      accountId: account.id,
      creditsDelta: -50,
      reason: 'Refund of an unused contract',
    });

    expect(await freezeBatch(t.db, t.queue, batch.id, logger)).toBe('unfunded');

    const after = await t.db.batchJob.findUniqueOrThrow({ where: { id: batch.id } });
    expect(after).toMatchObject({ status: 'canceled', frozenCredits: 0 });
    const tasks = await t.db.videoTask.findMany({ where: { batchId: batch.id } });
    expect(new Set(tasks.map((task) => `${task.status}/${task.errorCode}`))).toEqual(
      new Set(['canceled/insufficient_credits']),
    );
    expect((await ledgerOf(account.id)).map((r) => r.refType)).toEqual(['topup', 'adjustment']);
    expect((await t.db.account.findUniqueOrThrow({ where: { id: account.id } })).balance).toBe(50);
  });
});

describe('reserved credits', () => {
  it('counts only queued batches that are not frozen yet, the same for every reader', async () => {
    const fresh = await startTestApp({ seed: false });
    try {
      const db = fresh.db;
      const price10 = await createModel(db, { priceCredits: 10 });
      const account = await createAccount(db, { credits: 10_000 });
      const batchOf = async (tasks: number) =>
        (await createBatch(db, { accountId: account.id, model: price10, taskCount: tasks })).batch;
      await batchOf(20); // queued: 200 reserved
      await batchOf(5); // queued: 50 reserved
      const frozen = await batchOf(40); // processing with 400 frozen: not reserved
      expect(await freezeBatch(db, fresh.queue, frozen.id, logger)).toBe('frozen');
      const canceled = await batchOf(7); // canceled before it ran: not reserved
      expect(await cancelBatch(db, fresh.queue, account.id, canceled.id, logger)).toMatchObject({
        kind: 'canceled',
      });

      const expected = { balance: 9600, reservedCredits: 250, availableCredits: 9350 };
      expect(await readAvailability(db, account.id)).toEqual(expected);

      const staff = await createStaff(db, 'support');
      const caller = callerFor(fresh, staff.user);
      expect(await caller.accounts.get({ accountId: account.id })).toMatchObject(expected);
      const listed = (await caller.accounts.list()).find((a) => a.accountId === account.id);
      expect(listed).toMatchObject(expected);

      const key = await createApiKey(db, { accountId: account.id, name: 'k', createdBy: 'test' });
      if (!key.ok) throw new Error('no key');
      const balance = await fetch(`${fresh.baseUrl}/api/enterprise/balance`, {
        headers: { 'x-api-key': key.value.secret },
      }).then((response) => response.json());
      expect(balance).toMatchObject({
        balance: 9600,
        reserved_credits: 250,
        available_credits: 9350,
      });

      expect((await readBusinessSnapshot(db)).creditsReserved).toBe(250);
    } finally {
      await fresh.close();
    }
  });
});
