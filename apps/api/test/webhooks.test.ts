// Webhooks end to end (docs/product.md §6, issue 5): real worker, real pg-boss, real HTTP receivers, and
// signatures checked with the Standard Webhooks authors' own package, not with our code.
import type { WebhookEvent } from '@batchreel/client';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers';
import { expectComponent } from './support/openapi';
import {
  clientOf,
  documentOf,
  prompts as numbered,
  refusal,
  submitBatch,
  type TestClient,
} from './support/scenarios';
import { eventually, startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

let t: TestApp;
let receiver: WebhookReceiver;
/** The demo account; every answer is checked against the served OpenAPI document. */
let api: TestClient;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
  t = await startTestApp({
    worker: {
      latencyMs: 10,
      taskTimeoutMs: 300,
      retryBaseMs: 50,
      webhooks: { timeoutMs: 500, retryScheduleMs: [150, 300], concurrency: 4 },
    },
  });
  api = await clientOf(t);
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

const prompts = (count: number) => numbered(count, 'A lighthouse');

/** Submits the prompts with their webhook (and metadata); resolves with the batch's id. */
const withWebhook = async (
  texts: string[],
  webhookUrl: string,
  metadata?: Record<string, string>,
) =>
  (await submitBatch(t, texts, { webhook_url: webhookUrl, ...(metadata ? { metadata } : {}) }))
    .batch_id;

async function deliveriesOf(batchId: string) {
  const page = await api.webhookDeliveries({ batchId });
  expect(api.last.status).toBe(200);
  return page.data;
}

async function completedDelivery(batchId: string, status: string, timeoutMs = 20_000) {
  return eventually(
    async () =>
      (await deliveriesOf(batchId)).find(
        (d) => d.event_type === 'batch.completed' && d.status === status,
      ),
    timeoutMs,
    `batch.completed of ${batchId} to be ${status}`,
  );
}

describe('webhooks', () => {
  it('delivers batch.completed for the seed scenario, verifiable with the Standard Webhooks reference', async () => {
    const secretView = await api.webhookSecret();
    expect(secretView.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    // Asking again returns the same secret (created once, on first use).
    expect((await api.webhookSecret()).secret).toBe(secretView.secret);

    const items = prompts(20);
    items[7] = 'A slow scene [sim:timeout]';
    const batchId = await withWebhook(items, receiver.url, { campaign: 'spring' });

    const delivery = await completedDelivery(batchId, 'delivered');
    const requests = receiver.received.filter((r) => r.body.includes(batchId));
    expect(requests.map((r) => r.type)).toEqual(['batch.processing', 'batch.completed']);
    const completed = requests[1];
    if (!completed) throw new Error('no batch.completed');

    // Verified by an independent implementation over the raw body, with the REST-read secret.
    const verified = new Webhook(secretView.secret).verify(completed.body, {
      'webhook-id': String(completed.headers['webhook-id']),
      'webhook-timestamp': String(completed.headers['webhook-timestamp']),
      'webhook-signature': String(completed.headers['webhook-signature']),
    }) as WebhookEvent;
    expect(completed.headers['content-type']).toBe('application/json');
    // The payload is what the document's `webhooks` section promises.
    expectComponent(await documentOf(t), 'WebhookEvent', verified);
    expect(completed.headers['webhook-id']).toBe(verified.id);
    expect(verified).toMatchObject({
      type: 'batch.completed',
      data: {
        batch_id: batchId,
        status: 'partial',
        total_count: 20,
        success_count: 19,
        failed_count: 1,
        canceled_count: 0,
        pending_count: 0,
        cost_per_video: 10,
        required_credits: 200,
        frozen_credits: 200,
        credits_spent: 190,
        refunded_credits: 10,
        net_spent_credits: 190,
        settlement_status: 'refunded',
        metadata: { campaign: 'spring' },
      },
    });
    expect(verified.data.settled_at).toEqual(expect.any(String));
    expect(verified.data.created_at).toEqual(expect.any(String));
    // A tampered body or a wrong secret does not verify (the check is not vacuous).
    const headers = {
      'webhook-id': String(completed.headers['webhook-id']),
      'webhook-timestamp': String(completed.headers['webhook-timestamp']),
      'webhook-signature': String(completed.headers['webhook-signature']),
    };
    expect(() =>
      new Webhook(secretView.secret).verify(completed.body.replace('190', '191'), headers),
    ).toThrow();

    expect(delivery).toMatchObject({
      event_id: verified.id,
      status: 'delivered',
      attempt_count: 1,
      attempts: [{ status_code: 200, error: null }],
    });
    expect(delivery.attempts[0]?.latency_ms).toBeGreaterThanOrEqual(0);
    expect(delivery.attempts[0]?.response_body).toBe('answer 200 to batch.completed #1');
  });

  it('retries a failing receiver: 500, 500, then 200 → delivered on the third attempt, all recorded', async () => {
    const flaky = await startWebhookReceiver({
      reply: (request, nth) => (request.type === 'batch.completed' && nth <= 2 ? 500 : 200),
    });
    try {
      const batchId = await withWebhook(prompts(10), flaky.url);
      const delivery = await completedDelivery(batchId, 'delivered');
      expect(delivery.attempt_count).toBe(3);
      expect(delivery.attempts.map((a) => a.status_code)).toEqual([500, 500, 200]);
      expect(delivery.attempts[0]?.error).toBe('Answered 500; only 2xx counts as delivered.');
      expect(delivery.attempts[0]?.response_body).toBe('answer 500 to batch.completed #1');
      expect(delivery.last_error).toBeNull();
      // Growing delays between attempts (150 ms, then 300 ms, each ±20 %).
      const [first = 0, second = 0, third = 0] = delivery.attempts.map((a) =>
        Date.parse(a.attempted_at),
      );
      expect(second - first).toBeGreaterThanOrEqual(100);
      expect(third - second).toBeGreaterThanOrEqual(200);
      // One event id across every attempt.
      const sent = flaky.of('batch.completed');
      expect(sent).toHaveLength(3);
      expect(new Set(sent.map((r) => r.headers['webhook-id']))).toEqual(
        new Set([delivery.event_id]),
      );
    } finally {
      await flaky.close();
    }
  });

  it('times out a hanging receiver, retries, marks the delivery failed, and redelivers it with the same event id', async () => {
    const hanging = await startWebhookReceiver({
      reply: (request) => (request.type === 'batch.completed' ? 'hang' : 200),
    });
    try {
      const started = Date.now();
      const batchId = await withWebhook(prompts(10), hanging.url);
      // Settlement does not wait for the receiver.
      const settledAt = await eventually(
        async () => (await api.getBatch(batchId)).settled_at,
        20_000,
        'settlement',
      );
      await eventually(() => hanging.of('batch.completed').length >= 1, 10_000, 'first attempt');
      expect(Date.parse(settledAt)).toBeLessThanOrEqual(hanging.of('batch.completed')[0]?.at ?? 0);

      // While its retries run, a redelivery is refused.
      const [pending] = (await deliveriesOf(batchId)).filter(
        (d) => d.event_type === 'batch.completed',
      );
      const early = await refusal(api.redeliverWebhook(pending?.delivery_id ?? ''));
      expect(early.status).toBe(409);
      expect(early.code).toBe('delivery_in_progress');

      const failed = await completedDelivery(batchId, 'failed');
      expect(failed.attempt_count).toBe(3);
      expect(failed.next_attempt_at).toBeNull();
      for (const attempt of failed.attempts) {
        expect(attempt).toMatchObject({ status_code: null, error: 'No answer within 500 ms.' });
        expect(attempt.latency_ms).toBeGreaterThanOrEqual(450);
        expect(attempt.latency_ms).toBeLessThan(5_000);
      }
      expect(failed.last_error).toBe('No answer within 500 ms.');
      expect(hanging.of('batch.completed')).toHaveLength(3);
      expect(Date.now() - started).toBeLessThan(30_000);

      // The client fixes its endpoint and asks for the event again.
      hanging.setReply(() => 200);
      const again = await api.redeliverWebhook(failed.delivery_id);
      expect(api.last.status).toBe(202);
      expect(again.delivery.status).toBe('pending');
      const delivered = await completedDelivery(batchId, 'delivered');
      expect(delivered.attempt_count).toBe(4);
      expect(delivered.attempts.map((a) => a.status_code)).toEqual([null, null, null, 200]);
      const sent = hanging.of('batch.completed');
      expect(sent).toHaveLength(4);
      expect(sent[3]?.headers['webhook-id']).toBe(failed.event_id);
      expect(sent[3]?.eventId).toBe(failed.event_id);
      // The redelivery is on the audit trail.
      const audit = await t.db.auditLog.findMany({
        where: { action: 'webhook_delivery.redelivered', targetId: failed.delivery_id },
      });
      expect(audit).toHaveLength(1);
      expect(audit[0]?.actor).toMatch(/^api_key:/);
    } finally {
      await hanging.close();
    }
  });

  it('keeps delivering to healthy receivers while another receiver hangs', async () => {
    const hanging = await startWebhookReceiver({ reply: () => 'hang' });
    try {
      const stuck = await withWebhook(prompts(10), hanging.url);
      await eventually(
        () => hanging.received.length >= 1,
        10_000,
        'the hanging receiver to be hit',
      );
      const healthyBatch = await withWebhook(prompts(10), receiver.url);
      const delivered = await completedDelivery(healthyBatch, 'delivered');
      // The healthy batch's event went out while the hanging receiver still held attempts.
      const stuckDeliveries = await deliveriesOf(stuck);
      expect(stuckDeliveries.some((d) => d.status === 'pending')).toBe(true);
      expect(delivered.attempts).toHaveLength(1);
    } finally {
      await hanging.close();
    }
  });

  it('rotates the secret with an overlap: both signatures are sent, either secret verifies', async () => {
    const before = await api.webhookSecret();
    const rotated = await api.rotateWebhookSecret(3600);
    expect(api.last.status).toBe(200);
    expect(rotated.secret).not.toBe(before.secret);
    expect(rotated.previous_secrets).toEqual([
      { secret_prefix: `${before.secret.slice(0, 12)}…`, expires_at: expect.any(String) },
    ]);
    const expiresIn = Date.parse(rotated.previous_secrets[0]?.expires_at ?? '') - Date.now();
    expect(expiresIn).toBeGreaterThan(3_500_000);
    expect(expiresIn).toBeLessThanOrEqual(3_600_000);

    const batchId = await withWebhook(prompts(10), receiver.url);
    await completedDelivery(batchId, 'delivered');
    const [request] = receiver.of('batch.completed').filter((r) => r.body.includes(batchId));
    if (!request) throw new Error('no delivery');
    const headers = {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    };
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(before.secret).verify(request.body, headers)).toBeTruthy();
    expect(new Webhook(rotated.secret).verify(request.body, headers)).toBeTruthy();

    // Rotating with no overlap retires the previous secret at once.
    const immediate = await api.rotateWebhookSecret(0);
    expect(immediate.previous_secrets.map((p) => p.secret_prefix)).toEqual([
      `${before.secret.slice(0, 12)}…`,
    ]);
    const audit = await t.db.auditLog.findMany({ where: { action: 'webhook_secret.rotated' } });
    expect(audit).toHaveLength(2);
    // The audit trail names secrets by prefix only.
    expect(JSON.stringify(audit.map((a) => [a.before, a.after]))).not.toContain(before.secret);

    const bad = await refusal(api.rotateWebhookSecret(8 * 24 * 3600));
    expect(bad.status).toBe(422);
    expect(bad.details[0]?.path).toBe('overlap_seconds');
  });

  it("does not show or redeliver another account's deliveries", async () => {
    const [mine] = await deliveriesOf(
      (await t.db.webhookDelivery.findFirstOrThrow({ orderBy: { createdAt: 'asc' } })).batchId ??
        '',
    );
    expect(mine).toBeDefined();
    const other = await t.db.account.create({ data: { name: 'Other Corp' } });
    const { createApiKey } = await import('../src/accounts/api-keys');
    const created = await createApiKey(t.db, {
      accountId: other.id,
      name: 'other',
      createdBy: 'test',
    });
    if (!created.ok) throw new Error('no key');
    const as = await clientOf(t, { apiKey: created.value.secret });
    const deliveryId = mine?.delivery_id ?? '';
    expect((await refusal(as.webhookDelivery(deliveryId))).status).toBe(404);
    expect((await refusal(as.redeliverWebhook(deliveryId))).status).toBe(404);
    const list = await as.webhookDeliveries();
    expect(list.data).toEqual([]);
    const otherSecret = await as.webhookSecret();
    const ownSecret = await api.webhookSecret();
    expect(otherSecret.secret).not.toBe(ownSecret.secret);
  });

  it('pages through deliveries newest first', async () => {
    const first = await api.webhookDeliveries({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    const second = await api.webhookDeliveries({ limit: 2, cursor: first.next_cursor ?? '' });
    const ids = [...first.data, ...second.data].map((d) => d.delivery_id);
    expect(new Set(ids).size).toBe(4);
    const times = [...first.data, ...second.data].map((d) => d.created_at);
    expect([...times].sort().reverse()).toEqual(times);
    const bad = await refusal(api.webhookDeliveries({ cursor: 'nope' }));
    expect(bad.status).toBe(422);
  });
});
