// The demo webhook receiver as a client's endpoint (issue 13): it verifies Standard Webhooks
// signatures with the account's own secret, records only what verifies, shows each account only
// its own receipts, and exists only when configured. Deliveries are signed here by hand (the
// worker's path to it is in batch-webhook-deliveries.test.ts, the SSRF rules in ssrf.test.ts).
import { randomUUID } from 'node:crypto';
import { createAccount } from '@batchreel/db/testing';
import { generateSecret, signWebhook } from '@batchreel/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/accounts/api-keys';
import { demoReceiverEnabled, loadEnv } from '../src/env';
import { signingSecrets } from '../src/webhooks/secrets';
import { startTestApp, type TestApp } from './helpers';
import { demoReceiverRefusal, demoReceiverView, postToDemoReceiver } from './support/demo-receiver';
import { clientOf, refusal } from './support/scenarios';

let t: TestApp;
let demoAccountId: string;
let demoSecret: string;
let other: { accountId: string; key: string };

beforeAll(async () => {
  t = await startTestApp({ demoReceiver: true, config: { allowPrivateNetworks: false } });
  demoAccountId = (await t.db.account.findFirstOrThrow({ where: { name: 'Demo Corp' } })).id;
  demoSecret = (await signingSecrets(t.db, demoAccountId)).current.secret;
  const account = await createAccount(t.db, { name: 'Other Co' });
  await signingSecrets(t.db, account.id);
  const key = await createApiKey(t.db, { accountId: account.id, name: 'k', createdBy: 'test' });
  if (!key.ok) throw new Error(key.error.code);
  other = { accountId: account.id, key: key.value.secret };
});
afterAll(() => t?.close());

const receiverPath = (accountId: string) => `/demo/webhook-receiver/${accountId}`;

/** A batch event as the worker would send it, signed with `secret`. */
function signed(secret: string, overrides: { body?: string; timestampSeconds?: number } = {}) {
  const id = `evt_${randomUUID().replaceAll('-', '')}`;
  const body =
    overrides.body ??
    JSON.stringify({ id, type: 'batch.completed', timestamp: new Date().toISOString(), data: {} });
  const headers = signWebhook({
    id,
    body,
    secrets: [secret],
    ...(overrides.timestampSeconds ? { timestampSeconds: overrides.timestampSeconds } : {}),
  });
  return { id, body, headers };
}

const post = (path: string, delivery: { body: string; headers: Record<string, string> }) =>
  postToDemoReceiver(t, path, delivery);

describe('demo webhook receiver', () => {
  it('accepts a delivery signed with the account secret and keeps it exactly as received', async () => {
    const delivery = signed(demoSecret);
    const answer = await post(receiverPath(demoAccountId), delivery);
    expect(answer).toEqual({
      status: 200,
      body: { verified: true, event_id: delivery.id, type: 'batch.completed' },
    });
    const body = await demoReceiverView(t, 'demo-key');
    expect(body.url).toBe(`${t.baseUrl}${receiverPath(demoAccountId)}`);
    expect(body.receipts[0]).toMatchObject({
      event_id: delivery.id,
      event_type: 'batch.completed',
      body: delivery.body,
      headers: { ...delivery.headers, 'content-type': 'application/json' },
    });
  });

  it('refuses, and records nothing for, what does not verify', async () => {
    const before = await t.db.demoWebhookReceipt.count();
    const good = signed(demoSecret);
    const cases: [string, { body: string; headers: Record<string, string> }, string][] = [
      ['another secret', signed(generateSecret()), 'no_matching_signature'],
      [
        'a changed body',
        { ...good, body: good.body.replace('{}', '{"x":1}') },
        'no_matching_signature',
      ],
      ['no signature', { body: good.body, headers: {} }, 'missing_header'],
      [
        'an old timestamp (a replay)',
        signed(demoSecret, { timestampSeconds: Math.floor(Date.now() / 1000) - 3600 }),
        'timestamp_out_of_tolerance',
      ],
      // Signed by another account for its own receiver, sent to Demo Corp's.
      [
        'another account',
        signed((await signingSecrets(t.db, other.accountId)).current.secret),
        'no_matching_signature',
      ],
    ];
    for (const [what, delivery, code] of cases) {
      const answer = await post(receiverPath(demoAccountId), delivery);
      expect(answer.status, what).toBe(400);
      expect(answer.body, what).toMatchObject({ verified: false, error: code });
    }
    for (const path of [receiverPath(randomUUID()), '/demo/webhook-receiver/not-an-id']) {
      expect((await post(path, good)).status, path).toBe(404);
    }
    expect(await t.db.demoWebhookReceipt.count()).toBe(before);
  });

  it('shows each account only its own receipts, and asks for an API key', async () => {
    const mine = signed((await signingSecrets(t.db, other.accountId)).current.secret);
    expect((await post(receiverPath(other.accountId), mine)).status).toBe(200);
    const theirs = await demoReceiverView(t, other.key);
    expect(theirs.url).toBe(`${t.baseUrl}${receiverPath(other.accountId)}`);
    expect(theirs.receipts.map((r) => r.event_id)).toEqual([mine.id]);
    const demo = await demoReceiverView(t, 'demo-key');
    expect(demo.receipts.map((r) => r.event_id)).not.toContain(mine.id);

    const missing = await demoReceiverRefusal(t, '');
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ ok: false, error: { code: 'missing_api_key' } });
    expect((await demoReceiverRefusal(t, 'not-a-key')).body.error.code).toBe('invalid_api_key');
  });

  it('keeps the newest 50 receipts per account', async () => {
    const sent: string[] = [];
    for (let i = 0; i < 55; i++) {
      const delivery = signed(demoSecret);
      expect((await post(receiverPath(demoAccountId), delivery)).status).toBe(200);
      sent.push(delivery.id);
    }
    const body = await demoReceiverView(t, 'demo-key');
    // Two receipts may share a millisecond, so the order within one is not asserted.
    const listed = body.receipts.map((r) => r.event_id);
    expect([...listed].sort()).toEqual(sent.slice(-50).sort());
    expect(await t.db.demoWebhookReceipt.count({ where: { accountId: demoAccountId } })).toBe(50);
  });
});

describe('only when configured', () => {
  it('is on with the demo data unless DEMO_WEBHOOK_RECEIVER says otherwise', () => {
    expect(demoReceiverEnabled(loadEnv({}))).toBe(true);
    expect(demoReceiverEnabled(loadEnv({ SEED_DEMO: 'false' }))).toBe(false);
    expect(
      demoReceiverEnabled(loadEnv({ SEED_DEMO: 'false', DEMO_WEBHOOK_RECEIVER: 'true' })),
    ).toBe(true);
    expect(demoReceiverEnabled(loadEnv({ DEMO_WEBHOOK_RECEIVER: 'false' }))).toBe(false);
    expect(() => loadEnv({ DEMO_WEBHOOK_RECEIVER: 'sometimes' })).toThrow(
      /DEMO_WEBHOOK_RECEIVER: must be true or false/,
    );
  });

  it('is neither served nor a permitted webhook_url without it', async () => {
    const off = await startTestApp({ config: { allowPrivateNetworks: false } });
    try {
      const accountId = (await off.db.account.findFirstOrThrow()).id;
      const list = await fetch(`${off.baseUrl}/demo/webhook-receiver`, {
        headers: { 'x-api-key': 'demo-key' },
      });
      expect(list.status).toBe(404);
      const url = `${off.baseUrl}${receiverPath(accountId)}`;
      const delivery = signed(demoSecret);
      const posted = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...delivery.headers },
        body: delivery.body,
      });
      expect(posted.status).toBe(404);
      const api = await clientOf(off);
      const admitted = await refusal(
        api.createBatch({ items: [{ prompt: 'A cat', model: 'sora-2' }], webhook_url: url }),
      );
      expect(admitted.status).toBe(422);
    } finally {
      await off.close();
    }
  });
});
