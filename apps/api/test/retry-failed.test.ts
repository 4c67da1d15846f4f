// `POST /video-batch/{id}/retry-failed` (issue 18): a settled batch's failed tasks become a new
// batch, quoted and admitted under the same rules (402, X-Request-ID idempotency), linked both
// ways; also from the admin (audited) and in the CLI's client.
import { createAccount } from '@batchreel/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/accounts/api-keys';
import { startTestApp, type TestApp } from './helpers';
import { callerFor, createStaff } from './support/admin';
import { clientOf, DEMO_MODEL, refusal, submitBatch, waitUntilSettled } from './support/scenarios';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ worker: { latencyMs: 10, taskTimeoutMs: 300, retryBaseMs: 50 } });
});
afterAll(async () => {
  await t?.close();
});

/** A settled batch with `failed` failures among `ok` successes, and one canceled-free history. */
async function settledWithFailures(ok: number, failed: number, apiKey?: string) {
  const items = [
    ...Array.from({ length: ok }, (_, i) => ({ prompt: `fine #${i}`, model: DEMO_MODEL })),
    ...Array.from({ length: failed }, (_, i) => ({
      prompt: `refused #${i} [sim:content_policy]`,
      model: DEMO_MODEL,
      seconds: 8,
      size: '720x1280',
    })),
  ];
  const { batch_id: batchId } = await submitBatch(
    t,
    items,
    apiKey === undefined ? { metadata: { campaign: 'spring' } } : { apiKey },
  );
  await waitUntilSettled(t, batchId, apiKey === undefined ? {} : { apiKey });
  return batchId;
}

describe('retry-failed', () => {
  it('makes a new batch of exactly the failed tasks, linked both ways; the same X-Request-ID replays it', async () => {
    const original = await settledWithFailures(3, 2);
    const api = await clientOf(t);
    const { batch, replayed } = await api.retryFailed(original, { requestId: 'retry-spring-1' });
    expect(api.last.status).toBe(202);
    expect(replayed).toBe(false);
    expect(batch).toMatchObject({
      ok: true,
      retried_from_batch_id: original,
      total_count: 2,
      required_credits: 20,
      status: 'queued',
      request_id: 'retry-spring-1',
    });

    // The same key again: the same batch, nothing new.
    const again = await api.retryFailed(original, { requestId: 'retry-spring-1' });
    expect(again.replayed).toBe(true);
    expect(again.batch.batch_id).toBe(batch.batch_id);
    expect(api.last.responseHeaders['idempotent-replayed']).toBe('true');
    expect(await t.db.batchJob.count({ where: { retriedFromBatchId: original } })).toBe(1);
    // The same key for another request is refused.
    const reused = await refusal(
      api.createBatch(
        { items: [{ prompt: 'x', model: DEMO_MODEL }] },
        { requestId: 'retry-spring-1' },
      ),
    );
    expect(reused).toMatchObject({ status: 422, code: 'idempotency_key_reused' });

    const retried = await api.getBatch(batch.batch_id);
    expect(retried).toMatchObject({
      retried_from_batch_id: original,
      metadata: { campaign: 'spring' },
    });
    expect((await api.getBatch(original)).retry_batch_ids).toEqual([batch.batch_id]);
    const tasks = (await api.listTasks(batch.batch_id)).data;
    expect(tasks.map((task) => [task.prompt, task.parameters])).toEqual([
      ['refused #0 [sim:content_policy]', { seconds: 8, size: '720x1280' }],
      ['refused #1 [sim:content_policy]', { seconds: 8, size: '720x1280' }],
    ]);
    const list = await api.listBatches({ idPrefix: batch.batch_id.slice(0, 8) });
    expect(list.data[0]?.retried_from_batch_id).toBe(original);

    // The retry runs like any batch: it settles (and its own failures are refunded).
    const settledRetry = await waitUntilSettled(t, batch.batch_id);
    expect(settledRetry).toMatchObject({ failed_count: 2, refunded_credits: 20 });
  });

  it('refuses a running batch (409), a batch without failures (409) and another account’s (404)', async () => {
    const api = await clientOf(t);
    const { batch_id: running } = await submitBatch(t, ['slow [sim:timeout]']);
    expect(await refusal(api.retryFailed(running))).toMatchObject({
      status: 409,
      code: 'batch_not_settled',
    });
    const clean = await settledWithFailures(2, 0);
    expect(await refusal(api.retryFailed(clean))).toMatchObject({
      status: 409,
      code: 'no_failed_tasks',
    });
    expect(await refusal(api.retryFailed('0b6f6b36-0000-4000-8000-000000000000'))).toMatchObject({
      status: 404,
      code: 'not_found',
    });

    const other = await createAccount(t.db, { credits: 1000 });
    const key = await createApiKey(t.db, { accountId: other.id, name: 'other', createdBy: 'test' });
    if (!key.ok) throw new Error(key.error.code);
    const withFailures = await settledWithFailures(1, 1);
    const stranger = await clientOf(t, { apiKey: key.value.secret });
    expect(await refusal(stranger.retryFailed(withFailures))).toMatchObject({
      status: 404,
      code: 'not_found',
    });
    await waitUntilSettled(t, running, { timeoutMs: 30_000 });
  });

  it('is quoted and admitted like any batch: 402 with nothing created when the account cannot pay', async () => {
    const poor = await createAccount(t.db, { credits: 40 });
    const key = await createApiKey(t.db, { accountId: poor.id, name: 'poor', createdBy: 'test' });
    if (!key.ok) throw new Error(key.error.code);
    const apiKey = key.value.secret;
    // 1 success + 3 failures: 40 frozen, 30 refunded; then spend what is left elsewhere.
    const original = await settledWithFailures(1, 3, apiKey);
    const api = await clientOf(t, { apiKey });
    expect((await api.balance()).available_credits).toBe(30);
    await submitBatch(t, ['spend it all #0', 'spend it all #1 [sim:timeout]'], { apiKey });
    const refused = await refusal(api.retryFailed(original, { requestId: 'poor-retry' }));
    expect(refused).toMatchObject({
      status: 402,
      code: 'insufficient_credits',
      requiredCredits: 30,
    });
    expect(await t.db.batchJob.count({ where: { retriedFromBatchId: original } })).toBe(0);
  });

  it('from the admin (finance), audited, with the same links', async () => {
    const original = await settledWithFailures(1, 1);
    const finance = await createStaff(t.db, 'finance');
    const made = await callerFor(t, finance.user).batches.retryFailed({ batchId: original });
    expect(made.requiredCredits).toBe(10);
    const row = await t.db.batchJob.findUniqueOrThrow({ where: { id: made.batchId } });
    expect(row.retriedFromBatchId).toBe(original);
    expect(
      await t.db.auditLog.findFirst({
        where: { action: 'batch.retry_created', targetId: made.batchId },
      }),
    ).toMatchObject({ actorUserId: finance.user.id, after: { retried_from_batch_id: original } });
  });

  it('the database refuses a retry link to another account’s batch', async () => {
    const original = await settledWithFailures(1, 1);
    const other = await createAccount(t.db, { credits: 0 });
    await expect(
      t.db.batchJob.create({
        data: {
          accountId: other.id,
          totalCount: 1,
          requiredCredits: 10,
          retriedFromBatchId: original,
        },
      }),
    ).rejects.toThrow(/another account/);
  });
});
