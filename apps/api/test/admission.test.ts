import { randomUUID } from 'node:crypto';
import type { CreateBatchRequest } from '@batchreel/client';
import { createAccount, createModel } from '@batchreel/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/accounts/api-keys';
import { jobs } from '../src/jobs/definitions';
import { startTestApp, type TestApp } from './helpers';
import { expectNothingWritten, snapshotDatabase } from './support/db-snapshot';
import { clientOf, outcomeOf, refusal } from './support/scenarios';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

/** A typed client as the demo account or `key`'s; every answer is checked against the document. */
const api = (key?: string) => clientOf(t, key === undefined ? {} : { apiKey: key });

/**
 * `POST /video-batch` when either outcome is expected (bursts, races): the status and headers
 * that came back, and the admitted batch or the refusal.
 */
async function attempt(body: CreateBatchRequest, options: { key?: string; requestId: string }) {
  const client = await api(options.key);
  const outcome = await outcomeOf(client.createBatch(body, { requestId: options.requestId }));
  return { ...outcome, status: client.last.status, headers: client.last.responseHeaders };
}

const items = (count: number, model = 'sora-2') =>
  Array.from({ length: count }, (_, i) => ({ prompt: `A cat playing piano, take ${i}`, model }));

/** A fresh account with `credits`, its own model price and an API key. */
async function accountWithKey(credits: number) {
  const account = await createAccount(t.db, { credits });
  const created = await createApiKey(t.db, {
    accountId: account.id,
    name: 'test',
    createdBy: 'test',
  });
  if (!created.ok) throw new Error('could not create key');
  return { account, key: created.value.secret };
}

/** The `batch-start` jobs in pg-boss (optionally of one batch). */
async function batchStartJobs(batchId?: string) {
  const rows = await t.db.$queryRaw<{ state: string; data: { batchId: string } }[]>`
    SELECT state::text, data FROM pgboss.job WHERE name = ${jobs.batchStart.name}`;
  return rows.filter((row) => !batchId || row.data.batchId === batchId);
}

describe('POST /api/enterprise/video-batch', () => {
  it('admits the seed request exactly as docs/product.md §3 shows', async () => {
    const requestId = `demo-${Date.now()}`;
    const before = await t.db.batchJob.count();
    const demo = await api();
    const { batch: admitted, replayed } = await demo.createBatch(
      { items: items(3) },
      { requestId },
    );

    expect(demo.last.status).toBe(202);
    expect(demo.last.responseHeaders['x-request-id']).toBe(requestId);
    expect(demo.last.responseHeaders['idempotent-replayed']).toBeUndefined();
    expect(replayed).toBe(false);
    expect(admitted).toMatchObject({
      ok: true,
      total_count: 3,
      cost_per_video: 10,
      required_credits: 30,
      available_credits: 5000,
      status: 'queued',
      request_id: requestId,
      balance_snapshot: true,
      enqueue: 'queued',
    });
    expect(admitted.batch_id).toMatch(/^[0-9a-f-]{36}$/);

    const batchId = admitted.batch_id;
    expect(await t.db.batchJob.count()).toBe(before + 1);
    const batch = await t.db.batchJob.findUniqueOrThrow({ where: { id: batchId } });
    expect(batch).toMatchObject({
      status: 'queued',
      totalCount: 3,
      requiredCredits: 30,
      frozenCredits: 0,
      requestId,
    });
    const tasks = await t.db.videoTask.findMany({
      where: { batchId },
      orderBy: { batchIndex: 'asc' },
    });
    expect(
      tasks.map((task) => [task.batchIndex, task.status, task.costCredits, task.model]),
    ).toEqual([
      [0, 'queued', 10, 'sora-2'],
      [1, 'queued', 10, 'sora-2'],
      [2, 'queued', 10, 'sora-2'],
    ]);
    // The model's default parameters are recorded on each task.
    expect(tasks[0]?.parameters).toEqual({ seconds: 4, size: '1280x720' });
    const queued = await batchStartJobs(batchId);
    expect(queued).toEqual([{ state: 'created', data: { batchId } }]);
    // Nothing is charged at admission: the credits are reserved until the worker freezes them.
    expect(await demo.balance()).toMatchObject({
      balance: 5000,
      reserved_credits: 30,
      available_credits: 4970,
    });
  });

  it('refuses with 402 when the balance cannot cover it, writing nothing of any kind', async () => {
    const { key } = await accountWithKey(25);
    const before = await snapshotDatabase(t.db);
    const refused = await refusal(
      (await api(key)).createBatch({ items: items(3) }, { requestId: 'too-expensive' }),
    );
    expect(refused.status).toBe(402);
    expect(refused.body).toMatchObject({
      ok: false,
      error: { code: 'insufficient_credits' },
      required_credits: 30,
      available_credits: 25,
      request_id: 'too-expensive',
    });
    expect(refused.message).toMatch(/30 credits.*25 available/);
    await expectNothingWritten(t.db, before);
    // The refusal is not remembered: after a top-up the same X-Request-ID goes through.
  });

  it('counts credits reserved by admitted, not-yet-started batches', async () => {
    const { key } = await accountWithKey(50);
    const account = await api(key);
    await account.createBatch({ items: items(3) }); // reserves 30
    expect(account.last.status).toBe(202);
    const refused = await refusal(account.createBatch({ items: items(3) }));
    expect(refused.status).toBe(402);
    expect(refused.body).toMatchObject({ required_credits: 30, available_credits: 20 });
    await account.createBatch({ items: items(2) }); // exactly 20 left
    expect(account.last.status).toBe(202);
    expect(await account.balance()).toMatchObject({
      balance: 50,
      reserved_credits: 50,
      available_credits: 0,
    });
  });

  it('prices mixed models per item: cost_per_video null and a breakdown', async () => {
    await createModel(t.db, { id: 'veo-lite', priceCredits: 4 });
    const demo = await api();
    const { batch } = await demo.createBatch({ items: [...items(2), ...items(3, 'veo-lite')] });
    expect(demo.last.status).toBe(202);
    expect(batch).toMatchObject({
      total_count: 5,
      cost_per_video: null,
      required_credits: 32,
      breakdown: [
        { model: 'sora-2', count: 2, price_credits: 10, subtotal_credits: 20 },
        { model: 'veo-lite', count: 3, price_credits: 4, subtotal_credits: 12 },
      ],
    });
  });

  it('stores webhook_url, metadata and chosen parameters', async () => {
    const demo = await api();
    const { batch: admitted } = await demo.createBatch({
      items: [{ prompt: 'Sunrise over Shanghai', model: 'sora-2', seconds: 12, size: '720x1280' }],
      webhook_url: 'https://customer.example/webhook',
      metadata: { campaign: 'spring' },
    });
    expect(demo.last.status).toBe(202);
    expect(await demo.getBatch(admitted.batch_id)).toMatchObject({
      webhook_url: 'https://customer.example/webhook',
      metadata: { campaign: 'spring' },
    });
    const tasks = await demo.listTasks(admitted.batch_id);
    expect(tasks.data[0]?.parameters).toEqual({ seconds: 12, size: '720x1280' });
  });

  it('admits 10,000 items in one request', async () => {
    const { key } = await accountWithKey(100_000);
    const account = await api(key);
    const { batch } = await account.createBatch({ items: items(10_000) });
    expect(account.last.status).toBe(202);
    expect(batch).toMatchObject({ total_count: 10_000, required_credits: 100_000 });
    expect(await t.db.videoTask.count({ where: { batchId: batch.batch_id } })).toBe(10_000);
    const last = await t.db.videoTask.findFirstOrThrow({
      where: { batchId: batch.batch_id, batchIndex: 9_999 },
    });
    expect(last.prompt).toBe('A cat playing piano, take 9999');
  });

  it('writes nothing when the transaction fails half-way (no batch without its job)', async () => {
    const { key } = await accountWithKey(1000);
    const account = await api(key);
    // Take the queue away so the job insert — the last write of admission — fails.
    await t.queue.deleteQueue(jobs.batchStart.name);
    const before = await snapshotDatabase(t.db);
    try {
      const failed = await refusal(
        account.createBatch({ items: items(3) }, { requestId: 'half-way' }),
      );
      expect(failed.status).toBe(500);
      expect(failed.body).toMatchObject({
        ok: false,
        error: { code: 'internal_error' },
        request_id: 'half-way',
      });
      expect(JSON.stringify(failed.body)).not.toMatch(/pgboss|prisma|at \//i);
      await expectNothingWritten(t.db, before);
    } finally {
      await t.queue.createQueue(jobs.batchStart.name, jobs.batchStart.queue);
    }
    // The same X-Request-ID works once the system is healthy again: nothing was remembered.
    await account.createBatch({ items: items(3) }, { requestId: 'half-way' });
    expect(account.last.status).toBe(202);
  });
});

describe('idempotency on X-Request-ID', () => {
  it('replays the original answer for the same body, whatever its key order, and creates nothing', async () => {
    const requestId = `idem-${randomUUID()}`;
    const body = { items: items(2), metadata: { a: '1', b: '2' } };
    const demo = await api();
    const first = await demo.createBatch(body, { requestId });
    expect(demo.last.status).toBe(202);
    const before = await snapshotDatabase(t.db);

    const replay = await demo.createBatch(
      { metadata: { b: '2', a: '1' }, items: body.items },
      { requestId },
    );
    expect(demo.last.status).toBe(202);
    expect(demo.last.responseHeaders['idempotent-replayed']).toBe('true');
    expect(replay.replayed).toBe(true);
    expect(replay.batch).toEqual(first.batch);
    await expectNothingWritten(t.db, before);
  });

  it('refuses the same key with a different body (422 idempotency_key_reused)', async () => {
    const requestId = `idem-${randomUUID()}`;
    const demo = await api();
    await demo.createBatch({ items: items(2) }, { requestId });
    expect(demo.last.status).toBe(202);
    const before = await snapshotDatabase(t.db);
    const reused = await refusal(demo.createBatch({ items: items(3) }, { requestId }));
    expect(reused.status).toBe(422);
    expect(reused.code).toBe('idempotency_key_reused');
    await expectNothingWritten(t.db, before);
  });

  it('scopes keys to the account: another account may use the same X-Request-ID', async () => {
    const requestId = `shared-${randomUUID()}`;
    const { key } = await accountWithKey(100);
    const mine = await attempt({ items: items(1) }, { requestId });
    const theirs = await attempt({ items: items(1) }, { key, requestId });
    expect([mine.status, theirs.status]).toEqual([202, 202]);
    if (!mine.ok || !theirs.ok) throw new Error('expected both admitted');
    expect(theirs.value.batch.batch_id).not.toBe(mine.value.batch.batch_id);
  });

  it('remembers keys for 24 hours, then lets them be used again', async () => {
    const requestId = `idem-${randomUUID()}`;
    const demo = await api();
    const first = await demo.createBatch({ items: items(1) }, { requestId });
    const record = await t.db.idempotencyKey.findFirstOrThrow({ where: { requestId } });
    const ttlHours = (record.expiresAt.getTime() - record.createdAt.getTime()) / 3_600_000;
    expect(ttlHours).toBeGreaterThanOrEqual(24);

    await t.db.idempotencyKey.update({
      where: { id: record.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const later = await demo.createBatch({ items: items(1) }, { requestId });
    expect(demo.last.status).toBe(202);
    expect(demo.last.responseHeaders['idempotent-replayed']).toBeUndefined();
    expect(later.batch.batch_id).not.toBe(first.batch.batch_id);
  });

  it('answers 409 request_in_progress while the same key is being processed, and nothing is lost', async () => {
    const { account, key } = await accountWithKey(100);
    const client = await api(key);
    const requestId = `slow-${randomUUID()}`;
    // Another session holds the key's lock, as a request still inside its transaction does.
    const holder = new pg.Client({ connectionString: t.database.connectionString });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [
        account.id,
        requestId,
      ]);
      const busy = await refusal(client.createBatch({ items: items(1) }, { requestId }));
      expect(busy.status).toBe(409);
      expect(busy.code).toBe('request_in_progress');
      expect(client.last.responseHeaders['retry-after']).toBe('1');
      await holder.query('COMMIT');
    } finally {
      await holder.end();
    }
    await client.createBatch({ items: items(1) }, { requestId });
    expect(client.last.status).toBe(202);
  });

  it('100 concurrent identical requests create exactly one batch', async () => {
    const { account, key } = await accountWithKey(1000);
    const requestId = `burst-${randomUUID()}`;
    const responses = await Promise.all(
      Array.from({ length: 100 }, () => attempt({ items: items(3) }, { key, requestId })),
    );
    const statuses = responses.map((r) => r.status);
    expect(
      statuses.every((s) => s === 202 || s === 409),
      `statuses: ${statuses.join(',')}`,
    ).toBe(true);
    const admitted = responses.flatMap((r) => (r.ok ? [r.value] : []));
    expect(admitted.length).toBeGreaterThanOrEqual(1);
    // Every 202 is the original answer or its replay: one batch id.
    expect(new Set(admitted.map((r) => r.batch.batch_id)).size).toBe(1);
    expect(admitted.filter((r) => !r.replayed)).toHaveLength(1);
    for (const busy of responses.filter((r) => r.status === 409)) {
      expect(busy.ok ? null : busy.error.code).toBe('request_in_progress');
      expect(busy.headers['retry-after']).toBe('1');
    }
    expect(await t.db.batchJob.count({ where: { accountId: account.id } })).toBe(1);
    expect(await batchStartJobs(admitted[0]?.batch.batch_id)).toHaveLength(1);
  });
});

describe('concurrent admissions on one account', () => {
  it('50 distinct requests on an account that affords exactly 7 → exactly 7 admitted, 43 refused', async () => {
    const { account, key } = await accountWithKey(7 * 30);
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        attempt({ items: items(3) }, { key, requestId: `race-${i}` }),
      ),
    );
    const count = (status: number) => responses.filter((r) => r.status === status).length;
    expect({ admitted: count(202), refused: count(402) }).toEqual({ admitted: 7, refused: 43 });
    expect(await t.db.batchJob.count({ where: { accountId: account.id } })).toBe(7);
    expect(await (await api(key)).balance()).toMatchObject({
      balance: 210,
      reserved_credits: 210,
      available_credits: 0,
    });
  });
});

describe('POST /api/enterprise/video-batch/quote', () => {
  it('answers the quote and whether it would be admitted, creating and reserving nothing', async () => {
    const { key } = await accountWithKey(25);
    const account = await api(key);
    const before = await snapshotDatabase(t.db);
    const affordable = await account.quote({ items: items(2) });
    expect(account.last.status).toBe(200);
    expect(affordable).toMatchObject({
      ok: true,
      total_count: 2,
      cost_per_video: 10,
      required_credits: 20,
      available_credits: 25,
      balance: 25,
      reserved_credits: 0,
      would_admit: true,
      shortfall_credits: 0,
    });
    const tooMuch = await account.quote({ items: items(3) });
    expect(account.last.status).toBe(200);
    expect(tooMuch).toMatchObject({
      required_credits: 30,
      would_admit: false,
      shortfall_credits: 5,
    });
    await expectNothingWritten(t.db, before);
  });

  it('validates exactly like admission', async () => {
    const demo = await api();
    const refused = await refusal(demo.quote({ items: [{ prompt: 'x', model: 'no-such-model' }] }));
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({
      error: {
        code: 'invalid_request',
        details: [{ path: 'items[0].model', message: "Unknown model 'no-such-model'." }],
      },
    });
  });
});

describe('reads', () => {
  it('GET batch shows status, counts, billing and timestamps', async () => {
    const demo = await api();
    const { batch: admitted } = await demo.createBatch({ items: items(3) });
    const batch = await demo.getBatch(admitted.batch_id);
    expect(demo.last.status).toBe(200);
    expect(batch).toMatchObject({
      ok: true,
      batch_id: admitted.batch_id,
      status: 'queued',
      total_count: 3,
      success_count: 0,
      failed_count: 0,
      canceled_count: 0,
      pending_count: 3,
      required_credits: 30,
      frozen_credits: 0,
      credits_spent: 0,
      refunded_credits: 0,
      net_spent_credits: 0,
      settlement_status: 'pending',
      started_at: null,
      settled_at: null,
    });
    expect(Date.parse(batch.created_at)).not.toBeNaN();
  });

  it('pages tasks with a cursor and filters by status', async () => {
    const demo = await api();
    const { batch } = await demo.createBatch({ items: items(5) });
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await demo.listTasks(batch.batch_id, {
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      expect(demo.last.status).toBe(200);
      seen.push(...page.data.map((task) => task.batch_index));
      expect(page.has_more).toBe(page.next_cursor !== null);
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect((await demo.listTasks(batch.batch_id, { status: 'queued' })).data).toHaveLength(5);
    expect((await demo.listTasks(batch.batch_id, { status: 'failed' })).data).toHaveLength(0);
  });

  it("pages the account's ledger newest first", async () => {
    const { account, key } = await accountWithKey(10);
    for (let i = 0; i < 4; i++) {
      await t.db.creditLedger.create({
        data: {
          accountId: account.id,
          refType: 'topup',
          refId: randomUUID(),
          creditsDelta: 1,
          balanceAfter: 0,
          memo: `grant ${i}`,
          actor: 'test',
        },
      });
    }
    const client = await api(key);
    const first = await client.ledger({ limit: 3 });
    expect(first.data.map((row) => row.memo)).toEqual(['grant 3', 'grant 2', 'grant 1']);
    expect(first.data[0]).toMatchObject({
      ref_type: 'topup',
      credits_delta: 1,
      balance_after: 14,
    });
    const second = await client.ledger({ limit: 3, cursor: first.next_cursor ?? '' });
    expect(second.data.map((row) => row.memo)).toEqual(['grant 0', 'test grant']);
    expect(second).toMatchObject({ has_more: false, next_cursor: null });
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After in the envelope once a key exceeds its limit', async () => {
    const limited = await startTestApp({ config: { rateLimitPerMinute: 3 } });
    try {
      // The answers, the 429 among them, are checked against the document by the client.
      const client = await clientOf(limited);
      for (let i = 0; i < 3; i++) {
        await client.balance();
        expect(client.last.status).toBe(200);
      }
      const refused = await refusal(client.balance());
      expect(refused.status).toBe(429);
      expect(Number(client.last.responseHeaders['retry-after'])).toBeGreaterThan(0);
      expect(refused.body).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
      expect(refused.requestId).toBeTruthy();
    } finally {
      await limited.close();
    }
  });
});
