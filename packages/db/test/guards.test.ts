import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { isGuardViolation } from '../src/errors';
import { createAccount, createBatch, createModel, grantCredits } from '../src/testing';
import { guardDatabase, refusal } from './support/guard-database';

const g = guardDatabase();

async function balanceOf(accountId: string) {
  const account = await g.db.account.findUniqueOrThrow({ where: { id: accountId } });
  const { _sum } = await g.db.creditLedger.aggregate({
    where: { accountId },
    _sum: { creditsDelta: true },
  });
  return { cached: account.balance, ledger: _sum.creditsDelta ?? 0 };
}

function ledgerEntry(accountId: string, refType: 'topup' | 'adjustment', creditsDelta: number) {
  return g.db.creditLedger.create({
    data: {
      accountId,
      refType,
      refId: randomUUID(),
      creditsDelta,
      balanceAfter: 0,
      memo: 'test',
      actor: 'test',
    },
  });
}

/** Freezes a batch the way the worker does: state change and upfront row in one transaction. */
async function freeze(batch: { id: string; accountId: string; requiredCredits: number }) {
  await g.db.$transaction([
    g.db.batchJob.update({
      where: { id: batch.id },
      data: { status: 'processing', frozenCredits: batch.requiredCredits, startedAt: new Date() },
    }),
    g.db.creditLedger.create({
      data: {
        accountId: batch.accountId,
        refType: 'batch_upfront',
        refId: batch.id,
        creditsDelta: -batch.requiredCredits,
        balanceAfter: 0,
        actor: 'test',
      },
    }),
  ]);
}

function refund(task: { id: string; batchId: string; accountId: string; costCredits: number }) {
  return g.db.creditLedger.create({
    data: {
      accountId: task.accountId,
      refType: 'batch_refund',
      refId: task.batchId,
      taskId: task.id,
      creditsDelta: task.costCredits,
      balanceAfter: 0,
      actor: 'test',
    },
  });
}

function finishTask(taskId: string, status: 'succeeded' | 'failed' | 'canceled') {
  return g.db.videoTask.update({
    where: { id: taskId },
    data: {
      status,
      finishedAt: new Date(),
      ...(status === 'succeeded'
        ? {}
        : { errorCode: status === 'failed' ? 'timeout' : 'canceled' }),
    },
  });
}

describe('credit_ledger is append-only', () => {
  let entryId: bigint;
  beforeEach(async () => {
    const account = await createAccount(g.db, { credits: 100 });
    entryId = (await g.db.creditLedger.findFirstOrThrow({ where: { accountId: account.id } })).id;
  });

  it('rejects UPDATE', async () => {
    const error = await refusal(
      g.sql.query('UPDATE credit_ledger SET credits_delta = 1000000 WHERE id = $1', [entryId]),
    );
    expect(error.message).toMatch(/credit_ledger is append-only: UPDATE is not allowed/);
    await refusal(
      g.db.creditLedger.update({ where: { id: entryId }, data: { memo: 'rewritten' } }),
    );
  });

  it('rejects DELETE and TRUNCATE', async () => {
    expect(
      (await refusal(g.sql.query('DELETE FROM credit_ledger WHERE id = $1', [entryId]))).message,
    ).toMatch(/DELETE is not allowed/);
    expect((await refusal(g.sql.query('TRUNCATE credit_ledger CASCADE'))).message).toMatch(
      /TRUNCATE is not allowed/,
    );
    expect(await g.db.creditLedger.count({ where: { id: entryId } })).toBe(1);
  });

  it('keeps the audit log append-only too', async () => {
    const { rows } = await g.sql.query(
      `INSERT INTO audit_log (actor, action, target_type, target_id) VALUES ('test', 'noop', 'test', 'x') RETURNING id`,
    );
    await refusal(
      g.sql.query('UPDATE audit_log SET action = $1 WHERE id = $2', ['edited', rows[0].id]),
    );
    await refusal(g.sql.query('DELETE FROM audit_log WHERE id = $1', [rows[0].id]));
  });
});

describe('balances', () => {
  it('are Σ credits_delta, stamped on every row by the database', async () => {
    const account = await createAccount(g.db, { credits: 500 });
    await ledgerEntry(account.id, 'topup', 250);
    await ledgerEntry(account.id, 'adjustment', -125);
    const rows = await g.db.creditLedger.findMany({
      where: { accountId: account.id },
      orderBy: { id: 'asc' },
    });
    // balance_after was passed as 0 by the caller; the trigger computed the real figures.
    expect(rows.map((r) => [r.creditsDelta, r.balanceAfter])).toEqual([
      [500, 500],
      [250, 750],
      [-125, 625],
    ]);
    expect(await balanceOf(account.id)).toEqual({ cached: 625, ledger: 625 });
  });

  it('never go below zero: the entry that would do it is refused and nothing changes', async () => {
    const account = await createAccount(g.db, { credits: 100 });
    const error = await refusal(ledgerEntry(account.id, 'adjustment', -101));
    expect(error.code).toBe('23514');
    expect(isGuardViolation(error, 'accounts_balance_non_negative')).toBe(true);
    expect(await balanceOf(account.id)).toEqual({ cached: 100, ledger: 100 });
    await ledgerEntry(account.id, 'adjustment', -100); // exactly to zero is fine
    expect(await balanceOf(account.id)).toEqual({ cached: 0, ledger: 0 });
  });

  it('never go below zero under concurrent debits either', async () => {
    const account = await createAccount(g.db, { credits: 100 });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => ledgerEntry(account.id, 'adjustment', -30)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(await balanceOf(account.id)).toEqual({ cached: 10, ledger: 10 });
  });

  it('cannot be edited directly, nor start above zero', async () => {
    const account = await createAccount(g.db, { credits: 100 });
    const error = await refusal(
      g.db.account.update({ where: { id: account.id }, data: { balance: 1_000_000 } }),
    );
    expect(error.message).toMatch(/changes only through credit_ledger/);
    await refusal(g.sql.query(`INSERT INTO accounts (name, balance) VALUES ('Rich', 999)`));
    // Other account fields stay editable.
    await g.db.account.update({ where: { id: account.id }, data: { name: 'Renamed' } });
    expect(await balanceOf(account.id)).toEqual({ cached: 100, ledger: 100 });
  });

  it('refuse a zero entry, a wrongly signed one and an adjustment without a reason', async () => {
    const account = await createAccount(g.db, { credits: 100 });
    expect(
      isGuardViolation(
        await refusal(ledgerEntry(account.id, 'topup', 0)),
        'credit_ledger_delta_not_zero',
      ),
    ).toBe(true);
    expect(
      isGuardViolation(
        await refusal(ledgerEntry(account.id, 'topup', -5)),
        'credit_ledger_kind_shape',
      ),
    ).toBe(true);
    await refusal(
      g.db.creditLedger.create({
        data: {
          accountId: account.id,
          refType: 'adjustment',
          refId: randomUUID(),
          creditsDelta: 5,
          balanceAfter: 0,
          memo: '  ',
          actor: 'finance@x',
        },
      }),
    );
    expect(await balanceOf(account.id)).toEqual({ cached: 100, ledger: 100 });
  });
});

describe('exactly-once money movements', () => {
  it('allow one batch_upfront per batch', async () => {
    const model = await createModel(g.db, { priceCredits: 10 });
    const account = await createAccount(g.db, { credits: 1000 });
    const { batch } = await createBatch(g.db, { accountId: account.id, model, taskCount: 3 });
    await freeze(batch);
    const error = await refusal(
      g.db.creditLedger.create({
        data: {
          accountId: account.id,
          refType: 'batch_upfront',
          refId: batch.id,
          creditsDelta: -30,
          balanceAfter: 0,
          actor: 'retry',
        },
      }),
    );
    expect(error.code).toBe('23505');
    expect(isGuardViolation(error, 'credit_ledger_one_upfront_per_batch')).toBe(true);
    expect(await balanceOf(account.id)).toEqual({ cached: 970, ledger: 970 });
  });

  it('require the upfront to be exactly -required_credits of a batch of that account', async () => {
    const model = await createModel(g.db, { priceCredits: 10 });
    const account = await createAccount(g.db, { credits: 1000 });
    const other = await createAccount(g.db, { credits: 1000 });
    const { batch } = await createBatch(g.db, { accountId: account.id, model, taskCount: 3 });
    const upfront = (accountId: string, creditsDelta: number) =>
      g.db.creditLedger.create({
        data: {
          accountId,
          refType: 'batch_upfront',
          refId: batch.id,
          creditsDelta,
          balanceAfter: 0,
          actor: 'test',
        },
      });
    expect((await refusal(upfront(account.id, -20))).message).toMatch(/must be -required_credits/);
    expect((await refusal(upfront(other.id, -30))).message).toMatch(/unknown batch/);
  });

  it('allow one batch_refund per task, never for a succeeded or unfinished task', async () => {
    const model = await createModel(g.db, { priceCredits: 10 });
    const account = await createAccount(g.db, { credits: 1000 });
    const { batch, tasks } = await createBatch(g.db, {
      accountId: account.id,
      model,
      taskCount: 3,
    });
    const [failed, succeeded, running] = tasks as [
      (typeof tasks)[0],
      (typeof tasks)[0],
      (typeof tasks)[0],
    ];
    await freeze(batch);

    await finishTask(failed.id, 'failed');
    await refund(failed);
    const second = await refusal(refund(failed));
    expect(isGuardViolation(second, 'credit_ledger_one_refund_per_task')).toBe(true);

    await finishTask(succeeded.id, 'succeeded');
    expect((await refusal(refund(succeeded))).message).toMatch(
      /is succeeded: only failed or canceled tasks are refunded/,
    );
    expect((await refusal(refund(running))).message).toMatch(/is queued/);
    expect((await refusal(refund({ ...failed, costCredits: 11 }))).message).toMatch(
      /must equal its cost/,
    );

    expect(await balanceOf(account.id)).toEqual({ cached: 980, ledger: 980 });
  });

  it('keep a terminal task terminal, so a refunded task can never be charged', async () => {
    const model = await createModel(g.db, { priceCredits: 10 });
    const account = await createAccount(g.db, { credits: 1000 });
    const { tasks } = await createBatch(g.db, { accountId: account.id, model, taskCount: 1 });
    const [task] = tasks as [(typeof tasks)[0]];
    await finishTask(task.id, 'failed');
    expect(
      (
        await refusal(
          g.db.videoTask.update({ where: { id: task.id }, data: { status: 'succeeded' } }),
        )
      ).message,
    ).toMatch(/already failed and cannot become succeeded/);
  });
});

describe('batch figures', () => {
  it('accept only the status values of the product contract (docs/product.md §4)', async () => {
    const model = await createModel(g.db);
    const account = await createAccount(g.db, { credits: 100 });
    const { batch } = await createBatch(g.db, { accountId: account.id, model, taskCount: 1 });
    expect(
      (
        await refusal(
          g.sql.query(`UPDATE batch_jobs SET status = 'done' WHERE id = $1`, [batch.id]),
        )
      ).code,
    ).toBe('22P02');
    await refusal(
      g.sql.query(`UPDATE batch_jobs SET settlement_status = 'paid' WHERE id = $1`, [batch.id]),
    );
    await refusal(
      g.sql.query(`UPDATE video_tasks SET status = 'lost' WHERE batch_id = $1`, [batch.id]),
    );
  });

  it('cannot be settled unless frozen = spent + refunded', async () => {
    const model = await createModel(g.db, { priceCredits: 10 });
    const account = await createAccount(g.db, { credits: 1000 });
    const { batch } = await createBatch(g.db, { accountId: account.id, model, taskCount: 2 });
    await freeze(batch);
    const settle = (
      creditsSpent: number,
      refundedCredits: number,
      settlementStatus: 'settled' | 'refunded',
    ) =>
      g.db.batchJob.update({
        where: { id: batch.id },
        data: {
          status: 'partial',
          creditsSpent,
          refundedCredits,
          settlementStatus,
          settledAt: new Date(),
        },
      });
    expect(
      isGuardViolation(await refusal(settle(10, 0, 'settled')), 'batch_jobs_settlement_balances'),
    ).toBe(true);
    expect(
      isGuardViolation(
        await refusal(settle(10, 10, 'settled')),
        'batch_jobs_settlement_status_matches',
      ),
    ).toBe(true);
    expect(
      isGuardViolation(
        await refusal(settle(20, 10, 'refunded')),
        'batch_jobs_credits_within_freeze',
      ),
    ).toBe(true);
    await settle(10, 10, 'refunded');
  });

  it('freeze all of the quote or nothing', async () => {
    const model = await createModel(g.db, { priceCredits: 10 });
    const account = await createAccount(g.db, { credits: 1000 });
    const { batch } = await createBatch(g.db, { accountId: account.id, model, taskCount: 2 });
    const error = await refusal(
      g.db.batchJob.update({ where: { id: batch.id }, data: { frozenCredits: 10 } }),
    );
    expect(isGuardViolation(error, 'batch_jobs_frozen_all_or_nothing')).toBe(true);
  });
});

it('grants through the factory leave the ledger and the balance agreeing', async () => {
  const account = await createAccount(g.db);
  await grantCredits(g.db, account.id, 42);
  expect(await balanceOf(account.id)).toEqual({ cached: 42, ledger: 42 });
});

describe('webhooks', () => {
  const secret = () => `whsec_${Buffer.from(randomUUID() + randomUUID()).toString('base64')}`;

  it('keep one current signing secret per account, in whsec_ form', async () => {
    const account = await createAccount(g.db);
    await g.db.webhookSecret.create({ data: { accountId: account.id, secret: secret() } });
    const second = await refusal(
      g.db.webhookSecret.create({ data: { accountId: account.id, secret: secret() } }),
    );
    expect(second.code).toBe('23505');
    // A rotated-out secret (with an expiry) may sit beside the current one.
    await g.db.webhookSecret.create({
      data: { accountId: account.id, secret: secret(), expiresAt: new Date() },
    });
    expect(
      (
        await refusal(
          g.db.webhookSecret.create({ data: { accountId: account.id, secret: 'hunter2' } }),
        )
      ).constraint,
    ).toBe('webhook_secrets_whsec_format');
  });

  it('keep the delivery attempts append-only', async () => {
    const account = await createAccount(g.db);
    const delivery = await g.db.webhookDelivery.create({
      data: {
        accountId: account.id,
        eventId: `evt_${randomUUID()}`,
        eventType: 'batch.completed',
        url: 'https://example.com/hook',
        payload: {},
      },
    });
    const attempt = await g.db.webhookAttempt.create({
      data: { deliveryId: delivery.id, statusCode: 500, latencyMs: 12 },
    });
    await refusal(
      g.sql.query('UPDATE webhook_attempts SET status_code = 200 WHERE id = $1', [attempt.id]),
    );
    await refusal(g.sql.query('DELETE FROM webhook_attempts WHERE id = $1', [attempt.id]));
    expect(
      (
        await refusal(
          g.db.webhookAttempt.create({ data: { deliveryId: delivery.id, latencyMs: 1 } }),
        )
      ).constraint,
    ).toBe('webhook_attempts_outcome_recorded');
    expect(
      (
        await refusal(
          g.db.webhookDelivery.update({
            where: { id: delivery.id },
            data: { status: 'delivered' },
          }),
        )
      ).constraint,
    ).toBe('webhook_deliveries_delivered_has_time');
  });
});
