// A batch's webhook deliveries where a client and support look for them (issue 13, item 4): in
// `GET /video-batch/{id}` and in the admin. The scenario is the one a first-time user meets: the
// README's `https://customer.com/webhook` on a machine without internet (every name fails to
// resolve), next to a batch whose webhook goes to the built-in demo receiver, which the SSRF
// guard lets through with private networks closed.
import type { WebhookEvent } from '@batchreel/client';
import { createAccount } from '@batchreel/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/accounts/api-keys';
import type { LookupFunction } from '../src/platform/outbound';
import { startTestApp, type TestApp } from './helpers';
import { callerFor, createStaff, expectTrpcError, type Staff } from './support/admin';
import { demoReceiverView } from './support/demo-receiver';
import { expectComponent } from './support/openapi';
import {
  clientOf,
  documentOf,
  prompts,
  refusal,
  submitBatch,
  type TestClient,
} from './support/scenarios';
import { eventually } from './support/webhook-receiver';

/** No internet: every name fails to resolve, as getaddrinfo says it offline. */
const offline: LookupFunction = (hostname, _options, callback) =>
  callback(
    Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }),
    [],
  );

/** After the first retry, the next one is an hour away (±20 % jitter). */
const RETRY_SCHEDULE = [100, 3_600_000];

let t: TestApp;
/** The demo account; every answer is checked against the served OpenAPI document. */
let api: TestClient;
let support: Staff;
/** Webhook to https://customer.com/webhook: pending, both attempts failed. */
let offlineBatchId: string;
/** Webhook to the demo receiver: delivered. */
let receiverBatchId: string;
let receiverUrl: string;
let otherKey: string;

beforeAll(async () => {
  t = await startTestApp({
    demoReceiver: true,
    config: { allowPrivateNetworks: false },
    worker: {
      webhooks: {
        retryScheduleMs: RETRY_SCHEDULE,
        outbound: { allowPrivateNetworks: false, lookup: offline },
      },
    },
  });
  api = await clientOf(t);
  support = await createStaff(t.db, 'support');
  const other = await createAccount(t.db, { name: 'Other Co', credits: 100 });
  const key = await createApiKey(t.db, { accountId: other.id, name: 'k', createdBy: 'test' });
  if (!key.ok) throw new Error(key.error.code);
  otherKey = key.value.secret;

  receiverUrl = (await demoReceiverView(t)).url;
  const harbours = prompts(5, 'A harbour');
  ({ batch_id: offlineBatchId } = await submitBatch(t, harbours, {
    webhook_url: 'https://customer.com/webhook',
  }));
  ({ batch_id: receiverBatchId } = await submitBatch(t, harbours, { webhook_url: receiverUrl }));
  // Both events of the offline batch have made their two attempts and wait for the third.
  await eventually(
    async () =>
      (await t.db.webhookDelivery.count({
        where: { batchId: offlineBatchId, attemptCount: 2 },
      })) === 2,
    30_000,
    'both offline deliveries to have failed twice',
  );
  await eventually(
    async () =>
      (await t.db.webhookDelivery.count({
        where: { batchId: receiverBatchId, status: 'delivered' },
      })) === 2,
    30_000,
    'both demo-receiver deliveries to be delivered',
  );
}, 90_000);

afterAll(() => t?.close());

describe('GET /video-batch/{id}: webhook_deliveries', () => {
  it('shows a pending delivery with its failed attempts, the DNS error and the next retry', async () => {
    const batch = await api.getBatch(offlineBatchId);
    expect(api.last.status).toBe(200);
    expect(batch.webhook_url).toBe('https://customer.com/webhook');
    expect(batch.webhook_deliveries.map((d) => d.event_type)).toEqual([
      'batch.processing',
      'batch.completed',
    ]);
    const now = Date.now();
    for (const delivery of batch.webhook_deliveries) {
      expect(delivery).toMatchObject({
        status: 'pending',
        attempt_count: 2,
        last_status_code: null,
        delivered_at: null,
      });
      expect(delivery.event_id).toMatch(/^evt_[0-9a-f]{32}$/);
      expect(delivery.last_error).toMatch(/^Could not connect: ENOTFOUND .*customer\.com/);
      expect(Date.parse(delivery.last_attempt_at ?? '')).toBeLessThanOrEqual(now);
      // An hour ±20 %: the batch page can say when it is tried again.
      const wait = Date.parse(delivery.next_attempt_at ?? '') - now;
      expect(wait).toBeGreaterThan(0.75 * 3_600_000);
      expect(wait).toBeLessThan(1.25 * 3_600_000);
    }
    // The same ids lead to every attempt.
    const [first] = batch.webhook_deliveries;
    if (!first) throw new Error('no delivery');
    const full = await api.webhookDelivery(first.delivery_id);
    expect(full.delivery.event_id).toBe(first.event_id);
    expect(full.delivery.attempts).toHaveLength(2);
  });

  it('shows a delivered event with its 200', async () => {
    const batch = await api.getBatch(receiverBatchId);
    expect(batch.settlement_status).toBe('settled');
    expect(batch.webhook_deliveries).toHaveLength(2);
    for (const delivery of batch.webhook_deliveries) {
      expect(delivery).toMatchObject({
        status: 'delivered',
        attempt_count: 1,
        last_status_code: 200,
        last_error: null,
        next_attempt_at: null,
      });
      expect(delivery.delivered_at).toEqual(expect.any(String));
    }
  });

  it('is empty for a batch without a webhook, and another account sees nothing', async () => {
    const plain = await submitBatch(t, ['A quiet street']);
    const batch = await api.getBatch(plain.batch_id);
    expect(batch.webhook_deliveries).toEqual([]);
    const other = await clientOf(t, { apiKey: otherKey });
    const foreign = await refusal(other.getBatch(offlineBatchId));
    expect(foreign.status).toBe(404);
    expect(JSON.stringify(other.last.responseBody)).not.toContain('customer.com');
  });

  it('is not part of the webhook payload (an event cannot describe its own delivery)', async () => {
    const held = (await demoReceiverView(t)).receipts;
    const completed = held.find(
      (r) => r.event_type === 'batch.completed' && r.body.includes(receiverBatchId),
    );
    expect(completed).toBeDefined();
    if (!completed) throw new Error('no batch.completed receipt');
    const event = JSON.parse(completed.body) as WebhookEvent;
    expect(event.data.batch_id).toBe(receiverBatchId);
    expect(event.data).not.toHaveProperty('webhook_deliveries');
    expectComponent(await documentOf(t), 'WebhookEvent', event);
  });
});

describe('admin: the batch page reads the deliveries with their attempts', () => {
  it("gives support the offline batch's deliveries, every attempt with its error", async () => {
    const page = await callerFor(t, support.user).webhooks.list({ batchId: offlineBatchId });
    expect(page.items).toHaveLength(2);
    for (const delivery of page.items) {
      expect(delivery).toMatchObject({
        batch_id: offlineBatchId,
        url: 'https://customer.com/webhook',
        status: 'pending',
        attempt_count: 2,
        account_name: 'Demo Corp',
      });
      expect(delivery.next_attempt_at).toEqual(expect.any(String));
      expect(delivery.attempts).toHaveLength(2);
      for (const attempt of delivery.attempts) {
        expect(attempt.status_code).toBeNull();
        expect(attempt.error).toMatch(/ENOTFOUND .*customer\.com/);
        expect(attempt.latency_ms).toBeGreaterThanOrEqual(0);
      }
    }
    // Still pending: its retries run, so redelivering is refused.
    const pending = page.items[0];
    if (!pending) throw new Error('no delivery');
    await expectTrpcError(
      callerFor(t, support.user).webhooks.redeliver({ deliveryId: pending.delivery_id }),
      'CONFLICT',
    );
  });

  it("gives the delivered batch's attempts with the demo receiver's answer; support may redeliver", async () => {
    const page = await callerFor(t, support.user).webhooks.list({ batchId: receiverBatchId });
    expect(page.items.map((d) => d.status)).toEqual(['delivered', 'delivered']);
    const completed = page.items.find((d) => d.event_type === 'batch.completed');
    expect(completed?.attempts).toEqual([
      expect.objectContaining({
        status_code: 200,
        error: null,
        response_body: expect.stringContaining('"verified":true'),
      }),
    ]);
    if (!completed) throw new Error('no batch.completed');
    await callerFor(t, support.user).webhooks.redeliver({ deliveryId: completed.delivery_id });
    const again = await eventually(
      async () => {
        const batch = await api.getBatch(receiverBatchId);
        const d = batch.webhook_deliveries.find((x) => x.event_type === 'batch.completed');
        return d?.attempt_count === 2 && d.status === 'delivered' ? d : undefined;
      },
      20_000,
      'the redelivery',
    );
    expect(again.last_status_code).toBe(200);
  });
});
