// Retiring a model (issue 15): its queued tasks move to the replacement at the price they were
// admitted at, or are canceled and refunded through the executor's own cancel path; running
// tasks stay; admission refuses the model with 422 naming its replacement; all of it audited.
// No worker runs here: batches are frozen with the worker's own freeze, so every task waits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freezeBatch } from '../src/execution/freeze';
import { createLogger } from '../src/platform/logger';
import { startTestApp, type TestApp } from './helpers';
import { callerFor, createStaff, expectTrpcError, type Staff } from './support/admin';
import { accountWithKey, createPerSecondModel } from './support/catalogue';
import { clientOf, refusal } from './support/scenarios';

let t: TestApp;
let admin: Staff;
const logger = createLogger({ LOG_LEVEL: 'silent' });

beforeAll(async () => {
  t = await startTestApp();
  admin = await createStaff(t.db, 'admin');
});
afterAll(() => t?.close());

const caller = () => callerFor(t, admin.user);

/** Admits `items` for a fresh account that can pay exactly for them; returns ids and client. */
async function admit(items: { prompt: string; model: string; seconds?: number; size?: string }[]) {
  const quote = await (await clientOf(t)).quote({ items });
  const { account, key } = await accountWithKey(t.db, quote.required_credits);
  const client = await clientOf(t, { apiKey: key });
  const { batch } = await client.createBatch({ items });
  return { batchId: batch.batch_id, accountId: account.id, client };
}

const tasksOf = (batchId: string) =>
  t.db.videoTask.findMany({ where: { batchId }, orderBy: { batchIndex: 'asc' } });

const refundsOf = async (batchId: string) =>
  new Map(
    (await t.db.creditLedger.findMany({ where: { refId: batchId, refType: 'batch_refund' } })).map(
      (row) => [row.taskId, row.creditsDelta],
    ),
  );

describe('retiring a model with a replacement', () => {
  it('moves queued tasks the replacement can make at their admitted price, cancels and refunds the rest, leaves running ones', async () => {
    const old = await createPerSecondModel(t.db); // 720p 3/s, 1080p 5/s; 4, 6 or 8 s
    const next = await createPerSecondModel(t.db, {
      creditsPerSecond: { '1280x720': 9 },
      allowedSeconds: [4, 8],
    });
    const { batchId, client } = await admit([
      { prompt: 'moves', model: old.id, seconds: 8, size: '1280x720' }, // 24
      { prompt: 'moves too', model: old.id, seconds: 4, size: '1280x720' }, // 12
      { prompt: 'length not offered', model: old.id, seconds: 6, size: '1280x720' }, // 18
      { prompt: 'size not offered', model: old.id, seconds: 4, size: '1920x1080' }, // 20
      { prompt: 'already running', model: old.id, seconds: 8, size: '1920x1080' }, // 40
      { prompt: 'other model', model: 'sora-2' }, // 10
    ]);
    expect(await freezeBatch(t.db, t.queue, batchId, logger)).toBe('frozen');
    const running = (await tasksOf(batchId))[4];
    await t.db.videoTask.update({
      where: { id: running?.id },
      data: { status: 'running', attempts: 1, startedAt: new Date() },
    });

    expect(await caller().models.previewRetirement({ id: old.id, replacement: next.id })).toEqual({
      queuedTasks: 4,
      movable: 2,
      toCancel: 2,
    });
    const outcome = await caller().models.retire({ id: old.id, replacement: next.id });
    expect(outcome).toEqual({ moved: 2, canceled: 2, refundedCredits: 18 + 20 });

    const tasks = await tasksOf(batchId);
    expect(tasks.map((task) => [task.model, task.status, task.costCredits])).toEqual([
      [next.id, 'queued', 24],
      [next.id, 'queued', 12],
      [old.id, 'canceled', 18],
      [old.id, 'canceled', 20],
      [old.id, 'running', 40],
      ['sora-2', 'queued', 10],
    ]);
    expect(tasks[2]?.errorMessage).toBe(
      `Canceled and refunded: model ${old.id} was retired, and its replacement ${next.id} does not offer 6 s at 1280x720.`,
    );
    const refunds = await refundsOf(batchId);
    expect([...refunds.values()].sort()).toEqual([18, 20]);
    expect(refunds.get(tasks[2]?.id ?? '')).toBe(18);
    expect((await client.getBatch(batchId)).refunded_credits).toBe(38);

    const retired = await t.db.model.findUniqueOrThrow({ where: { id: old.id } });
    expect(retired).toMatchObject({ enabled: false, replacedBy: next.id });
    expect(retired.retiredAt).toBeInstanceOf(Date);
    const [row] = await t.db.auditLog.findMany({
      where: { targetType: 'model', targetId: old.id, action: 'model.retired' },
    });
    expect(row).toMatchObject({
      actor: `admin:${admin.user.email}`,
      before: { enabled: true, retiredAt: null, replacedBy: null },
      after: { enabled: false, replacedBy: next.id, movedTasks: 2 },
    });
  });

  it('refuses admission of the retired model with 422 naming it and its replacement', async () => {
    const old = await createPerSecondModel(t.db);
    const next = await createPerSecondModel(t.db);
    await caller().models.retire({ id: old.id, replacement: next.id });
    const refused = await refusal(
      (await clientOf(t)).createBatch({
        items: [
          { prompt: 'fine', model: next.id },
          { prompt: 'retired', model: old.id, seconds: 4 },
        ],
      }),
    );
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({
      error: {
        code: 'invalid_request',
        details: [
          {
            path: 'items[1].model',
            message: `Model '${old.id}' was retired; use '${next.id}' instead.`,
          },
        ],
      },
    });
  });
});

describe('retiring a model without a replacement', () => {
  it('cancels and refunds its queued tasks of started batches; a batch only of it ends uncharged; a mixed waiting batch is started first', async () => {
    const gone = await createPerSecondModel(t.db);
    const started = await admit([
      { prompt: 'a', model: gone.id, seconds: 8, size: '1920x1080' }, // 40
      { prompt: 'b', model: gone.id, seconds: 4, size: '1280x720' }, // 12
      { prompt: 'c', model: 'sora-2' }, // 10
    ]);
    expect(await freezeBatch(t.db, t.queue, started.batchId, logger)).toBe('frozen');
    const onlyGone = await admit([
      { prompt: 'd', model: gone.id, seconds: 6, size: '1280x720' }, // 18, never started
    ]);
    const mixedWaiting = await admit([
      { prompt: 'e', model: gone.id, seconds: 4, size: '1920x1080' }, // 20
      { prompt: 'f', model: 'sora-2' }, // 10
    ]);

    const outcome = await caller().models.retire({ id: gone.id, replacement: null });
    expect(outcome).toEqual({ moved: 0, canceled: 4, refundedCredits: 40 + 12 + 20 });

    // Started: both refunded their own price; sora-2 still to run.
    const first = await tasksOf(started.batchId);
    expect(first.map((task) => task.status)).toEqual(['canceled', 'canceled', 'queued']);
    const firstRefunds = await refundsOf(started.batchId);
    expect(firstRefunds.get(first[0]?.id ?? '')).toBe(40);
    expect(firstRefunds.get(first[1]?.id ?? '')).toBe(12);
    expect(first[0]?.errorMessage).toBe(
      `Canceled and refunded: model ${gone.id} was retired with no replacement.`,
    );

    // Made only of the retired model and never started: settled with nothing charged.
    expect(await onlyGone.client.getBatch(onlyGone.batchId)).toMatchObject({
      status: 'failed',
      settlement_status: 'settled',
      frozen_credits: 0,
      credits_spent: 0,
      refunded_credits: 0,
    });
    expect(await t.db.creditLedger.count({ where: { refId: onlyGone.batchId } })).toBe(0);
    expect(await onlyGone.client.balance()).toMatchObject({
      balance: 18,
      reserved_credits: 0,
      available_credits: 18,
    });

    // Mixed and waiting: started (its whole price frozen), the retired model's task refunded.
    expect(await mixedWaiting.client.getBatch(mixedWaiting.batchId)).toMatchObject({
      status: 'processing',
      frozen_credits: 30,
      refunded_credits: 20,
      pending_credits: 10,
    });
    expect(await mixedWaiting.client.balance()).toMatchObject({ balance: 20, reserved_credits: 0 });

    const refused = await refusal(
      (await clientOf(t)).quote({ items: [{ prompt: 'x', model: gone.id }] }),
    );
    expect(refused.body).toMatchObject({
      error: {
        details: [
          {
            path: 'items[0].model',
            message: `Model '${gone.id}' was retired and has no replacement.`,
          },
        ],
      },
    });
  });
});

describe('retirement rules', () => {
  it('refuses a replacement that is unknown, itself, retired or disabled, and a second retirement', async () => {
    const model = await createPerSecondModel(t.db);
    const retired = await createPerSecondModel(t.db);
    await caller().models.retire({ id: retired.id, replacement: null });
    const disabled = await createPerSecondModel(t.db);
    await t.db.model.update({ where: { id: disabled.id }, data: { enabled: false } });
    const auditRows = await t.db.auditLog.count();
    for (const [replacement, reason] of [
      ['no-such-model', 'unknown'],
      [model.id, 'same'],
      [retired.id, 'retired'],
      [disabled.id, 'disabled'],
    ] as const) {
      const error = await expectTrpcError(
        caller().models.retire({ id: model.id, replacement }),
        'BAD_REQUEST',
      );
      expect(error.cause).toMatchObject({ reason: 'replacement_invalid', params: { reason } });
    }
    await expectTrpcError(
      caller().models.retire({ id: retired.id, replacement: null }),
      'PRECONDITION_FAILED',
    );
    await expectTrpcError(caller().models.retire({ id: 'nope', replacement: null }), 'NOT_FOUND');
    expect(await t.db.auditLog.count()).toBe(auditRows);
    expect((await t.db.model.findUniqueOrThrow({ where: { id: model.id } })).retiredAt).toBeNull();
  });

  it('keeps a retired model retired: the admin and the database refuse to enable it', async () => {
    const model = await createPerSecondModel(t.db);
    await caller().models.retire({ id: model.id, replacement: null });
    const [found] = (await caller().models.list()).filter((m) => m.id === model.id);
    if (!found) throw new Error('not listed');
    const listed = { ...found, provider: 'simulator' as const };
    await expectTrpcError(
      caller().models.update({ ...listed, enabled: true }),
      'PRECONDITION_FAILED',
    );
    await expect(
      t.db.model.update({ where: { id: model.id }, data: { enabled: true } }),
    ).rejects.toThrow();
    // Describing it better is fine.
    const renamed = await caller().models.update({ ...listed, displayName: 'Veo (retired)' });
    expect(renamed).toMatchObject({ displayName: 'Veo (retired)', enabled: false });
  });

  it('handles tasks that return to the queue of a retired model later, and audits it', async () => {
    const old = await createPerSecondModel(t.db);
    const next = await createPerSecondModel(t.db);
    const { batchId } = await admit([
      { prompt: 'running at retirement', model: old.id, seconds: 4, size: '1280x720' },
    ]);
    await freezeBatch(t.db, t.queue, batchId, logger);
    const [task] = await tasksOf(batchId);
    await t.db.videoTask.update({
      where: { id: task?.id },
      data: { status: 'running', attempts: 1 },
    });
    expect(await caller().models.retire({ id: old.id, replacement: next.id })).toEqual({
      moved: 0,
      canceled: 0,
      refundedCredits: 0,
    });
    // Its attempt failed transiently: the executor puts it back in the queue, on the old model.
    await t.db.videoTask.update({ where: { id: task?.id }, data: { status: 'queued' } });
    expect(await caller().models.list()).toContainEqual(
      expect.objectContaining({ id: old.id, queuedTasks: 1 }),
    );
    expect(await caller().models.handleRetiredQueue({ id: old.id })).toEqual({
      moved: 1,
      canceled: 0,
      refundedCredits: 0,
    });
    expect(await t.db.videoTask.findUniqueOrThrow({ where: { id: task?.id } })).toMatchObject({
      model: next.id,
      costCredits: 12,
      status: 'queued',
    });
    expect(
      await t.db.auditLog.count({
        where: { targetId: old.id, action: 'model.retired_queue_handled' },
      }),
    ).toBe(1);
    // Nothing left: a second call changes and audits nothing.
    expect(await caller().models.handleRetiredQueue({ id: old.id })).toEqual({
      moved: 0,
      canceled: 0,
      refundedCredits: 0,
    });
    expect(
      await t.db.auditLog.count({
        where: { targetId: old.id, action: 'model.retired_queue_handled' },
      }),
    ).toBe(1);
  });
});
