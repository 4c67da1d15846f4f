import { randomUUID } from 'node:crypto';
import { createAccount } from '@batchreel/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/accounts/api-keys';
import { startTestApp, type TestApp } from './helpers';
import { expectNothingWritten, snapshotDatabase } from './support/db-snapshot';
import { loadOpenApi, type OpenApiDoc, requestAndCheck } from './support/openapi';

const CREATE = '/api/enterprise/video-batch';
const BATCH = '/api/enterprise/video-batch/{id}';
const TASKS = '/api/enterprise/video-batch/{id}/tasks';
const CANCEL = '/api/enterprise/video-batch/{id}/cancel';
const B_CREDITS = 700;

interface ErrorBody {
  ok: false;
  error: { code: string; message: string; details: unknown[] };
  request_id: string;
}
interface Balance {
  account_id: string;
  account_name: string;
  balance: number;
  reserved_credits: number;
  available_credits: number;
}
interface LedgerPage {
  data: { ref_type: string; ref_id: string; credits_delta: number; balance_after: number }[];
  has_more: boolean;
}

const items = (count: number, prompt = 'A cat playing piano') => ({
  items: Array.from({ length: count }, () => ({ prompt, model: 'sora-2' })),
});

describe('tenant isolation', () => {
  let app: TestApp;
  let doc: OpenApiDoc;
  const a = { key: 'demo-key', accountId: '', batchId: '' };
  const b = { key: '', accountId: '', name: '', batchId: '' };

  const call = <Body>(key: string, method: 'GET' | 'POST', template: string, id = '', query = '') =>
    requestAndCheck<Body>(doc, app.baseUrl, {
      method,
      path: `${template.replace('{id}', encodeURIComponent(id))}${query}`,
      template,
      headers: { 'x-api-key': key },
    });

  beforeAll(async () => {
    app = await startTestApp();
    doc = await loadOpenApi(app.baseUrl);
    a.accountId = (await app.db.account.findFirstOrThrow({ where: { name: 'Demo Corp' } })).id;
    const accountB = await createAccount(app.db, { credits: B_CREDITS });
    const key = await createApiKey(app.db, {
      accountId: accountB.id,
      name: 'B production',
      createdBy: 'test',
    });
    if (!key.ok) throw new Error(key.error.code);
    Object.assign(b, { key: key.value.secret, accountId: accountB.id, name: accountB.name });

    const admitted = await requestAndCheck<{ batch_id: string; required_credits: number }>(
      doc,
      app.baseUrl,
      {
        method: 'POST',
        path: CREATE,
        headers: { 'x-api-key': a.key, 'x-request-id': 'shared-request-id' },
        body: items(3),
      },
    );
    expect(admitted.status).toBe(202);
    expect(admitted.body.required_credits).toBe(30);
    a.batchId = admitted.body.batch_id;
  });

  afterAll(async () => {
    await app?.close();
  });

  it("answers 404 not_found to B on every route of A's batch, like for an id that does not exist", async () => {
    const before = await snapshotDatabase(app.db);
    const ids = {
      "A's batch": a.batchId,
      "A's batch, upper case": a.batchId.toUpperCase(),
      'a random uuid': randomUUID(),
      'not a uuid': 'not-a-uuid',
      'a numeric id': '1',
    };
    const routes: ['GET' | 'POST', string, string][] = [
      ['GET', BATCH, ''],
      ['GET', TASKS, ''],
      ['GET', TASKS, '?limit=1&status=queued'],
      ['POST', CANCEL, ''],
    ];
    for (const [method, template, query] of routes) {
      const answers: Record<string, unknown> = {};
      for (const [label, id] of Object.entries(ids)) {
        const response = await call<ErrorBody>(b.key, method, template, id, query);
        expect({ label, method, template, status: response.status }).toEqual({
          label,
          method,
          template,
          status: 404,
        });
        expect(response.body).toMatchObject({ ok: false, error: { code: 'not_found' } });
        expect(response.text).not.toContain(a.accountId);
        // Nothing tells "someone else's" from "no such batch": same answer but for the id echoed.
        answers[label] = {
          ...response.body,
          request_id: '',
          error: { ...response.body.error, message: response.body.error.message.replace(id, '…') },
        };
      }
      expect(answers["A's batch"]).toEqual(answers['a random uuid']);
    }
    await expectNothingWritten(app.db, before);
  });

  it("shows B only B's balance and ledger", async () => {
    const balance = await call<Balance>(b.key, 'GET', '/api/enterprise/balance');
    expect(balance.status).toBe(200);
    expect(balance.body).toMatchObject({
      account_id: b.accountId,
      account_name: b.name,
      balance: B_CREDITS,
      reserved_credits: 0,
      available_credits: B_CREDITS,
    });

    const ledger = await call<LedgerPage>(b.key, 'GET', '/api/enterprise/ledger');
    expect(ledger.status).toBe(200);
    expect(ledger.body.has_more).toBe(false);
    expect(ledger.body.data).toEqual([
      expect.objectContaining({
        ref_type: 'topup',
        credits_delta: B_CREDITS,
        balance_after: B_CREDITS,
      }),
    ]);
    expect(ledger.text).not.toContain(a.batchId);
  });

  it('still shows A its batch, its reservation and its ledger', async () => {
    const batch = await call<{ batch_id: string; total_count: number }>(
      a.key,
      'GET',
      BATCH,
      a.batchId,
    );
    expect(batch.status).toBe(200);
    expect(batch.body).toMatchObject({ batch_id: a.batchId, total_count: 3 });

    const tasks = await call<{ data: unknown[] }>(a.key, 'GET', TASKS, a.batchId);
    expect(tasks.status).toBe(200);
    expect(tasks.body.data).toHaveLength(3);

    const balance = await call<Balance>(a.key, 'GET', '/api/enterprise/balance');
    expect(balance.body).toMatchObject({
      account_id: a.accountId,
      account_name: 'Demo Corp',
      balance: 5000,
      reserved_credits: 30,
      available_credits: 4970,
    });

    const ledger = await call<LedgerPage>(a.key, 'GET', '/api/enterprise/ledger');
    expect(ledger.body.data).toEqual([
      expect.objectContaining({ ref_type: 'topup', credits_delta: 5000, balance_after: 5000 }),
    ]);
  });

  it("keeps B's batches and X-Request-IDs to B", async () => {
    // The same X-Request-ID with another body: for B it is a new key, not A's (no 422, no replay).
    const admitted = await requestAndCheck<{ batch_id: string; request_id: string }>(
      doc,
      app.baseUrl,
      {
        method: 'POST',
        path: CREATE,
        headers: { 'x-api-key': b.key, 'x-request-id': 'shared-request-id' },
        body: items(2, 'A dog on a skateboard'),
      },
    );
    expect(admitted.status).toBe(202);
    expect(admitted.headers['idempotent-replayed']).toBeUndefined();
    expect(admitted.body.batch_id).not.toBe(a.batchId);
    b.batchId = admitted.body.batch_id;

    const before = await snapshotDatabase(app.db);
    for (const [method, template] of [
      ['GET', BATCH],
      ['GET', TASKS],
      ['POST', CANCEL],
    ] as const) {
      const response = await call<ErrorBody>(a.key, method, template, b.batchId);
      expect({ template, status: response.status, code: response.body.error.code }).toEqual({
        template,
        status: 404,
        code: 'not_found',
      });
    }
    await expectNothingWritten(app.db, before);

    const own = await call<{ batch_id: string; total_count: number }>(
      b.key,
      'GET',
      BATCH,
      b.batchId,
    );
    expect(own.body).toMatchObject({ batch_id: b.batchId, total_count: 2 });
    const balanceB = await call<Balance>(b.key, 'GET', '/api/enterprise/balance');
    expect(balanceB.body).toMatchObject({
      reserved_credits: 20,
      available_credits: B_CREDITS - 20,
    });
    const balanceA = await call<Balance>(a.key, 'GET', '/api/enterprise/balance');
    expect(balanceA.body).toMatchObject({ reserved_credits: 30, available_credits: 4970 });
  });

  it("lets A's own cancel reach its batch (not a 404)", async () => {
    const response = await call<{ ok: boolean }>(a.key, 'POST', CANCEL, a.batchId);
    expect([200, 409]).toContain(response.status);
  });
});
