import { createAccount } from '@batchreel/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../src/demo/seed';
import { startTestApp, type TestApp } from './helpers';
import { callerFor, createStaff, expectTrpcError, type Staff } from './support/admin';

// The admin shows ids by their first 8 characters; support pastes those back into the batches
// list and the failed-task search. Ids are chosen so that prefixes collide.
const ONE = 'abcd1111-0000-4000-8000-000000000001';
const TWO = 'abcd2222-0000-4000-8000-000000000002';
const LONE = 'fedc0000-0000-4000-8000-000000000003';
const TASK_OF_ONE = 'aaaa0001-0000-4000-8000-00000000000a';
const TASK_OF_TWO = 'aaaa0002-0000-4000-8000-00000000000b';
const TASK_OF_LONE = 'bbbb0003-0000-4000-8000-00000000000c';

let t: TestApp;
let support: Staff;

beforeAll(async () => {
  t = await startTestApp();
  support = await createStaff(t.db, 'support');
  const account = await createAccount(t.db, { name: 'Short Id Co' });
  for (const [id, taskId, minutesAgo] of [
    [ONE, TASK_OF_ONE, 3],
    [TWO, TASK_OF_TWO, 2],
    [LONE, TASK_OF_LONE, 1],
  ] as const) {
    await t.db.batchJob.create({
      data: {
        id,
        accountId: account.id,
        status: 'processing',
        totalCount: 1,
        costPerVideo: 10,
        requiredCredits: 10,
        createdAt: new Date(Date.now() - minutesAgo * 60_000),
      },
    });
    await t.db.videoTask.create({
      data: {
        id: taskId,
        batchId: id,
        accountId: account.id,
        batchIndex: 0,
        prompt: `prompt of ${id}`,
        model: DEMO.model.id,
        costCredits: 10,
        status: 'failed',
        errorCode: 'timeout',
        errorMessage: 'timeout',
        finishedAt: new Date(Date.now() - minutesAgo * 60_000),
      },
    });
  }
});
afterAll(() => t?.close());

describe('short ids in the admin', () => {
  it('the batches list finds a batch by its short id, its whole id, or every batch a shorter start matches', async () => {
    const caller = callerFor(t, support.user);
    const ids = async (idPrefix: string) =>
      (await caller.batches.list({ idPrefix })).items.map((b) => b.batchId);
    expect(await ids(ONE.slice(0, 8))).toEqual([ONE]);
    expect(await ids(ONE.slice(0, 8).toUpperCase())).toEqual([ONE]);
    expect(await ids(ONE)).toEqual([ONE]);
    expect(await ids('abcd')).toEqual([TWO, ONE]);
    expect(await ids('0123abcd')).toEqual([]);
    for (const bad of ['abc', 'zzzz', 'ab%d', 'abcd-1111', `${ONE}0`]) {
      await expectTrpcError(caller.batches.list({ idPrefix: bad }), 'BAD_REQUEST');
    }
  });

  it('the failed-task search takes a unique batch prefix, lists the candidates of an ambiguous one', async () => {
    const caller = callerFor(t, support.user);
    const unique = await caller.batches.searchFailed({ batchId: ONE.slice(0, 8) });
    expect(unique.items.map((i) => i.taskId)).toEqual([TASK_OF_ONE]);
    expect(unique.batchCandidates).toEqual([]);
    const whole = await caller.batches.searchFailed({ batchId: LONE });
    expect(whole.items.map((i) => i.taskId)).toEqual([TASK_OF_LONE]);

    const ambiguous = await caller.batches.searchFailed({ batchId: 'abcd' });
    expect(ambiguous.items).toEqual([]);
    expect(ambiguous.batchCandidates).toEqual([ONE, TWO]);

    const none = await caller.batches.searchFailed({ batchId: '0123abcd' });
    expect(none).toEqual({ items: [], nextCursor: null, batchCandidates: [] });
    await expectTrpcError(caller.batches.searchFailed({ batchId: 'abc' }), 'BAD_REQUEST');
  });

  it('the webhook deliveries list takes a batch id or its start', async () => {
    const account = await t.db.account.findFirstOrThrow({ where: { name: 'Short Id Co' } });
    for (const batchId of [ONE, TWO, LONE]) {
      await t.db.webhookDelivery.create({
        data: {
          accountId: account.id,
          batchId,
          eventId: `evt_${batchId}`,
          eventType: 'batch.processing',
          url: 'https://hooks.example/short-ids',
          payload: {},
        },
      });
    }
    const caller = callerFor(t, support.user);
    const batches = async (batchId: string) =>
      (await caller.webhooks.list({ batchId })).items.map((d) => d.batch_id).sort();
    expect(await batches(ONE.slice(0, 8))).toEqual([ONE]);
    expect(await batches(LONE)).toEqual([LONE]);
    expect(await batches('abcd')).toEqual([ONE, TWO]);
    await expectTrpcError(caller.webhooks.list({ batchId: 'ab' }), 'BAD_REQUEST');
  });

  it('the failed-task search finds tasks by the start of their id', async () => {
    const caller = callerFor(t, support.user);
    const ids = async (taskId: string, batchId?: string) =>
      (await caller.batches.searchFailed({ taskId, batchId })).items.map((i) => i.taskId);
    expect(await ids(TASK_OF_TWO.slice(0, 8))).toEqual([TASK_OF_TWO]);
    expect(await ids('aaaa')).toEqual([TASK_OF_TWO, TASK_OF_ONE]);
    expect(await ids('aaaa', ONE.slice(0, 8))).toEqual([TASK_OF_ONE]);
    expect(await ids(TASK_OF_LONE)).toEqual([TASK_OF_LONE]);
    await expectTrpcError(caller.batches.searchFailed({ taskId: 'xyz!' }), 'BAD_REQUEST');
  });
});
