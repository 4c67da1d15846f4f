import { randomUUID } from 'node:crypto';
import { createAccount, createModel } from '@batchreel/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/accounts/api-keys';
import { jobs } from '../src/jobs/definitions';
import { startTestApp, type TestApp } from './helpers';
import { expectNothingWritten, snapshotDatabase } from './support/db-snapshot';
import { expectConformance, loadOpenApi, type OpenApiDoc } from './support/openapi';

let t: TestApp;
let doc: OpenApiDoc;
beforeAll(async () => {
  t = await startTestApp();
  doc = await loadOpenApi(t.baseUrl);
});
afterAll(() => t?.close());

// JSON answers are read field by field below; their shapes are checked by the assertions
// themselves (and against the OpenAPI document in the conformance tests).
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = any;

interface Call {
  key?: string;
  requestId?: string;
  body?: unknown;
}

async function submit(
  { key = 'demo-key', requestId, body }: Call,
  path = '/api/enterprise/video-batch',
) {
  const response = await fetch(`${t.baseUrl}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': key,
      ...(requestId ? { 'x-request-id': requestId } : {}),
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Json,
  };
}

async function get(path: string, key = 'demo-key') {
  const response = await fetch(`${t.baseUrl}${path}`, { headers: { 'x-api-key': key } });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Json,
  };
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
  it('admits the seed request exactly as SPEC §3 shows', async () => {
    const requestId = `demo-${Date.now()}`;
    const before = await t.db.batchJob.count();
    const response = await submit({ requestId, body: { items: items(3) } });

    expect(response.status).toBe(202);
    expect(response.headers.get('x-request-id')).toBe(requestId);
    expect(response.headers.get('idempotent-replayed')).toBeNull();
    expect(response.body).toMatchObject({
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
    expect(response.body.batch_id).toMatch(/^[0-9a-f-]{36}$/);

    const batchId: string = response.body.batch_id;
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
    const balance = await get('/api/enterprise/balance');
    expect(balance.body).toMatchObject({
      balance: 5000,
      reserved_credits: 30,
      available_credits: 4970,
    });
  });

  it('refuses with 402 when the balance cannot cover it, writing nothing of any kind', async () => {
    const { key } = await accountWithKey(25);
    const before = await snapshotDatabase(t.db);
    const response = await submit({ key, requestId: 'too-expensive', body: { items: items(3) } });
    expect(response.status).toBe(402);
    expect(response.body).toMatchObject({
      ok: false,
      error: { code: 'insufficient_credits' },
      required_credits: 30,
      available_credits: 25,
      request_id: 'too-expensive',
    });
    expect(response.body.error.message).toMatch(/30 credits.*25 available/);
    await expectNothingWritten(t.db, before);
    // The refusal is not remembered: after a top-up the same X-Request-ID goes through.
  });

  it('counts credits reserved by admitted, not-yet-started batches', async () => {
    const { key } = await accountWithKey(50);
    expect((await submit({ key, body: { items: items(3) } })).status).toBe(202); // reserves 30
    const refused = await submit({ key, body: { items: items(3) } });
    expect(refused.status).toBe(402);
    expect(refused.body).toMatchObject({ required_credits: 30, available_credits: 20 });
    expect((await submit({ key, body: { items: items(2) } })).status).toBe(202); // exactly 20 left
    const balance = await get('/api/enterprise/balance', key);
    expect(balance.body).toMatchObject({ balance: 50, reserved_credits: 50, available_credits: 0 });
  });

  it('prices mixed models per item: cost_per_video null and a breakdown', async () => {
    await createModel(t.db, { id: 'veo-lite', priceCredits: 4 });
    const response = await submit({ body: { items: [...items(2), ...items(3, 'veo-lite')] } });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({
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
    const response = await submit({
      body: {
        items: [
          { prompt: 'Sunrise over Shanghai', model: 'sora-2', seconds: 12, size: '720x1280' },
        ],
        webhook_url: 'https://customer.example/webhook',
        metadata: { campaign: 'spring' },
      },
    });
    expect(response.status).toBe(202);
    const batch = await get(`/api/enterprise/video-batch/${response.body.batch_id}`);
    expect(batch.body).toMatchObject({
      webhook_url: 'https://customer.example/webhook',
      metadata: { campaign: 'spring' },
    });
    const tasks = await get(`/api/enterprise/video-batch/${response.body.batch_id}/tasks`);
    expect(tasks.body.data[0].parameters).toEqual({ seconds: 12, size: '720x1280' });
  });

  it('admits 10,000 items in one request', async () => {
    const { key } = await accountWithKey(100_000);
    const response = await submit({ key, body: { items: items(10_000) } });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ total_count: 10_000, required_credits: 100_000 });
    expect(await t.db.videoTask.count({ where: { batchId: response.body.batch_id } })).toBe(10_000);
    const last = await t.db.videoTask.findFirstOrThrow({
      where: { batchId: response.body.batch_id, batchIndex: 9_999 },
    });
    expect(last.prompt).toBe('A cat playing piano, take 9999');
  });

  it('writes nothing when the transaction fails half-way (no batch without its job)', async () => {
    const { key } = await accountWithKey(1000);
    // Take the queue away so the job insert — the last write of admission — fails.
    await t.queue.deleteQueue(jobs.batchStart.name);
    const before = await snapshotDatabase(t.db);
    try {
      const response = await submit({ key, requestId: 'half-way', body: { items: items(3) } });
      expect(response.status).toBe(500);
      expect(response.body).toMatchObject({
        ok: false,
        error: { code: 'internal_error' },
        request_id: 'half-way',
      });
      expect(JSON.stringify(response.body)).not.toMatch(/pgboss|prisma|at \//i);
      await expectNothingWritten(t.db, before);
    } finally {
      await t.queue.createQueue(jobs.batchStart.name, jobs.batchStart.queue);
    }
    // The same X-Request-ID works once the system is healthy again: nothing was remembered.
    expect((await submit({ key, requestId: 'half-way', body: { items: items(3) } })).status).toBe(
      202,
    );
  });
});

describe('idempotency on X-Request-ID', () => {
  it('replays the original answer for the same body, whatever its key order, and creates nothing', async () => {
    const requestId = `idem-${randomUUID()}`;
    const body = { items: items(2), metadata: { a: '1', b: '2' } };
    const first = await submit({ requestId, body });
    expect(first.status).toBe(202);
    const before = await snapshotDatabase(t.db);

    const replay = await submit({
      requestId,
      body: { metadata: { b: '2', a: '1' }, items: body.items },
    });
    expect(replay.status).toBe(202);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    await expectNothingWritten(t.db, before);
  });

  it('refuses the same key with a different body (422 idempotency_key_reused)', async () => {
    const requestId = `idem-${randomUUID()}`;
    expect((await submit({ requestId, body: { items: items(2) } })).status).toBe(202);
    const before = await snapshotDatabase(t.db);
    const reused = await submit({ requestId, body: { items: items(3) } });
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    await expectNothingWritten(t.db, before);
  });

  it('scopes keys to the account: another account may use the same X-Request-ID', async () => {
    const requestId = `shared-${randomUUID()}`;
    const { key } = await accountWithKey(100);
    const mine = await submit({ requestId, body: { items: items(1) } });
    const theirs = await submit({ key, requestId, body: { items: items(1) } });
    expect([mine.status, theirs.status]).toEqual([202, 202]);
    expect(theirs.body.batch_id).not.toBe(mine.body.batch_id);
  });

  it('remembers keys for 24 hours, then lets them be used again', async () => {
    const requestId = `idem-${randomUUID()}`;
    const first = await submit({ requestId, body: { items: items(1) } });
    const record = await t.db.idempotencyKey.findFirstOrThrow({ where: { requestId } });
    const ttlHours = (record.expiresAt.getTime() - record.createdAt.getTime()) / 3_600_000;
    expect(ttlHours).toBeGreaterThanOrEqual(24);

    await t.db.idempotencyKey.update({
      where: { id: record.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const later = await submit({ requestId, body: { items: items(1) } });
    expect(later.status).toBe(202);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
    expect(later.body.batch_id).not.toBe(first.body.batch_id);
  });

  it('answers 409 request_in_progress while the same key is being processed, and nothing is lost', async () => {
    const { account, key } = await accountWithKey(100);
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
      const busy = await submit({ key, requestId, body: { items: items(1) } });
      expect(busy.status).toBe(409);
      expect(busy.body.error.code).toBe('request_in_progress');
      expect(busy.headers.get('retry-after')).toBe('1');
      await holder.query('COMMIT');
    } finally {
      await holder.end();
    }
    const retried = await submit({ key, requestId, body: { items: items(1) } });
    expect(retried.status).toBe(202);
  });

  it('100 concurrent identical requests create exactly one batch', async () => {
    const { account, key } = await accountWithKey(1000);
    const requestId = `burst-${randomUUID()}`;
    const responses = await Promise.all(
      Array.from({ length: 100 }, () => submit({ key, requestId, body: { items: items(3) } })),
    );
    const statuses = responses.map((r) => r.status);
    expect(
      statuses.every((s) => s === 202 || s === 409),
      `statuses: ${statuses.join(',')}`,
    ).toBe(true);
    const admitted = responses.filter((r) => r.status === 202);
    expect(admitted.length).toBeGreaterThanOrEqual(1);
    // Every 202 is the original answer or its replay: one batch id.
    expect(new Set(admitted.map((r) => r.body.batch_id)).size).toBe(1);
    expect(admitted.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
    for (const busy of responses.filter((r) => r.status === 409)) {
      expect(busy.body.error.code).toBe('request_in_progress');
      expect(busy.headers.get('retry-after')).toBe('1');
    }
    expect(await t.db.batchJob.count({ where: { accountId: account.id } })).toBe(1);
    expect(await batchStartJobs(admitted[0]?.body.batch_id)).toHaveLength(1);
  });
});

describe('concurrent admissions on one account', () => {
  it('50 distinct requests on an account that affords exactly 7 → exactly 7 admitted, 43 refused', async () => {
    const { account, key } = await accountWithKey(7 * 30);
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        submit({ key, requestId: `race-${i}`, body: { items: items(3) } }),
      ),
    );
    const count = (status: number) => responses.filter((r) => r.status === status).length;
    expect({ admitted: count(202), refused: count(402) }).toEqual({ admitted: 7, refused: 43 });
    expect(await t.db.batchJob.count({ where: { accountId: account.id } })).toBe(7);
    const balance = await get('/api/enterprise/balance', key);
    expect(balance.body).toMatchObject({
      balance: 210,
      reserved_credits: 210,
      available_credits: 0,
    });
  });
});

describe('POST /api/enterprise/video-batch/quote', () => {
  it('answers the quote and whether it would be admitted, creating and reserving nothing', async () => {
    const { key } = await accountWithKey(25);
    const before = await snapshotDatabase(t.db);
    const affordable = await submit(
      { key, body: { items: items(2) } },
      '/api/enterprise/video-batch/quote',
    );
    expect(affordable.status).toBe(200);
    expect(affordable.body).toMatchObject({
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
    const tooMuch = await submit(
      { key, body: { items: items(3) } },
      '/api/enterprise/video-batch/quote',
    );
    expect(tooMuch.status).toBe(200);
    expect(tooMuch.body).toMatchObject({
      required_credits: 30,
      would_admit: false,
      shortfall_credits: 5,
    });
    await expectNothingWritten(t.db, before);
  });

  it('validates exactly like admission', async () => {
    const response = await submit(
      { body: { items: [{ prompt: 'x', model: 'no-such-model' }] } },
      '/api/enterprise/video-batch/quote',
    );
    expect(response.status).toBe(422);
    expect(response.body.error).toMatchObject({
      code: 'invalid_request',
      details: [{ path: 'items[0].model', message: "Unknown model 'no-such-model'." }],
    });
  });
});

describe('reads', () => {
  it('GET batch shows status, counts, billing and timestamps', async () => {
    const admitted = await submit({ body: { items: items(3) } });
    const response = await get(`/api/enterprise/video-batch/${admitted.body.batch_id}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      ok: true,
      batch_id: admitted.body.batch_id,
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
    expect(Date.parse(response.body.created_at)).not.toBeNaN();
  });

  it('pages tasks with a cursor and filters by status', async () => {
    const admitted = await submit({ body: { items: items(5) } });
    const base = `/api/enterprise/video-batch/${admitted.body.batch_id}/tasks`;
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(
        `${base}?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((task: { batch_index: number }) => task.batch_index));
      expect(page.body.has_more).toBe(page.body.next_cursor !== null);
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect((await get(`${base}?status=queued`)).body.data).toHaveLength(5);
    expect((await get(`${base}?status=failed`)).body.data).toHaveLength(0);
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
    const first = await get('/api/enterprise/ledger?limit=3', key);
    expect(first.body.data.map((row: { memo: string }) => row.memo)).toEqual([
      'grant 3',
      'grant 2',
      'grant 1',
    ]);
    expect(first.body.data[0]).toMatchObject({
      ref_type: 'topup',
      credits_delta: 1,
      balance_after: 14,
    });
    const second = await get(
      `/api/enterprise/ledger?limit=3&cursor=${first.body.next_cursor}`,
      key,
    );
    expect(second.body.data.map((row: { memo: string }) => row.memo)).toEqual([
      'grant 0',
      'test grant',
    ]);
    expect(second.body).toMatchObject({ has_more: false, next_cursor: null });
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After in the envelope once a key exceeds its limit', async () => {
    const limited = await startTestApp({ config: { rateLimitPerMinute: 3 } });
    try {
      const call = () =>
        fetch(`${limited.baseUrl}/api/enterprise/balance`, {
          headers: { 'x-api-key': 'demo-key' },
        });
      for (let i = 0; i < 3; i++) expect((await call()).status).toBe(200);
      const response = await call();
      expect(response.status).toBe(429);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      const body = (await response.json()) as Json;
      expectConformance(doc, { method: 'GET', path: '/api/enterprise/balance', status: 429, body });
      expect(body).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
      expect(body.request_id).toBeTruthy();
    } finally {
      await limited.close();
    }
  });
});
