// Webhooks end to end (SPEC §6, issue 5): real worker, real pg-boss, real HTTP receivers, and
// signatures checked with the Standard Webhooks authors' own package, not with our code.
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers';
import { expectComponent, loadOpenApi, type OpenApiDoc, requestAndCheck } from './support/openapi';
import { eventually, startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are read field by field in assertions
type Json = any;

let t: TestApp;
let receiver: WebhookReceiver;
let doc: OpenApiDoc | undefined;
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
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

/** A call as the demo account; every answer is checked against the served OpenAPI document. */
async function api(method: 'GET' | 'POST', path: string, body?: unknown) {
  doc ??= await loadOpenApi(t.baseUrl);
  const template = path.split('?')[0]?.replace(/\/[0-9a-f-]{36}(?=\/|$)/, '/{id}');
  const response = await requestAndCheck<Json>(doc, t.baseUrl, {
    method,
    path,
    ...(template ? { template } : {}),
    headers: { 'x-api-key': 'demo-key' },
    ...(body ? { body } : {}),
  });
  return { status: response.status, body: response.body };
}

async function submit(prompts: string[], webhookUrl: string, metadata?: Record<string, string>) {
  const response = await api('POST', '/api/enterprise/video-batch', {
    items: prompts.map((prompt) => ({ prompt, model: 'sora-2' })),
    webhook_url: webhookUrl,
    ...(metadata ? { metadata } : {}),
  });
  expect(response.status).toBe(202);
  return response.body.batch_id as string;
}

const prompts = (count: number) => Array.from({ length: count }, (_, i) => `A lighthouse #${i}`);

async function deliveriesOf(batchId: string) {
  const page = await api('GET', `/api/enterprise/webhook-deliveries?batch_id=${batchId}`);
  expect(page.status).toBe(200);
  return page.body.data as Json[];
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
    const { body: secretView } = await api('GET', '/api/enterprise/webhook-secret');
    expect(secretView.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    // Asking again returns the same secret (created once, on first use).
    expect((await api('GET', '/api/enterprise/webhook-secret')).body.secret).toBe(
      secretView.secret,
    );

    const items = prompts(20);
    items[7] = 'A slow scene [sim:timeout]';
    const batchId = await submit(items, receiver.url, { campaign: 'spring' });

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
    }) as Json;
    expect(completed.headers['content-type']).toBe('application/json');
    // The payload is what the document's `webhooks` section promises.
    doc ??= await loadOpenApi(t.baseUrl);
    expectComponent(doc, 'WebhookEvent', verified);
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
    expect(delivery.attempts[0].latency_ms).toBeGreaterThanOrEqual(0);
    expect(delivery.attempts[0].response_body).toBe('answer 200 to batch.completed #1');
  });

  it('retries a failing receiver: 500, 500, then 200 → delivered on the third attempt, all recorded', async () => {
    const flaky = await startWebhookReceiver({
      reply: (request, nth) => (request.type === 'batch.completed' && nth <= 2 ? 500 : 200),
    });
    try {
      const batchId = await submit(prompts(10), flaky.url);
      const delivery = await completedDelivery(batchId, 'delivered');
      expect(delivery.attempt_count).toBe(3);
      expect(delivery.attempts.map((a: Json) => a.status_code)).toEqual([500, 500, 200]);
      expect(delivery.attempts[0].error).toBe('Answered 500; only 2xx counts as delivered.');
      expect(delivery.attempts[0].response_body).toBe('answer 500 to batch.completed #1');
      expect(delivery.last_error).toBeNull();
      // Growing delays between attempts (150 ms, then 300 ms, each ±20 %).
      const times = delivery.attempts.map((a: Json) => Date.parse(a.attempted_at));
      expect(times[1] - times[0]).toBeGreaterThanOrEqual(100);
      expect(times[2] - times[1]).toBeGreaterThanOrEqual(200);
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
      const batchId = await submit(prompts(10), hanging.url);
      // Settlement does not wait for the receiver.
      const settledAt = await eventually(
        async () => (await api('GET', `/api/enterprise/video-batch/${batchId}`)).body.settled_at,
        20_000,
        'settlement',
      );
      await eventually(() => hanging.of('batch.completed').length >= 1, 10_000, 'first attempt');
      expect(Date.parse(settledAt)).toBeLessThanOrEqual(hanging.of('batch.completed')[0]?.at ?? 0);

      // While its retries run, a redelivery is refused.
      const [pending] = (await deliveriesOf(batchId)).filter(
        (d: Json) => d.event_type === 'batch.completed',
      );
      const early = await api(
        'POST',
        `/api/enterprise/webhook-deliveries/${pending.delivery_id}/redeliver`,
      );
      expect(early.status).toBe(409);
      expect(early.body.error.code).toBe('delivery_in_progress');

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
      const again = await api(
        'POST',
        `/api/enterprise/webhook-deliveries/${failed.delivery_id}/redeliver`,
      );
      expect(again.status).toBe(202);
      expect(again.body.delivery.status).toBe('pending');
      const delivered = await completedDelivery(batchId, 'delivered');
      expect(delivered.attempt_count).toBe(4);
      expect(delivered.attempts.map((a: Json) => a.status_code)).toEqual([null, null, null, 200]);
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
      const stuck = await submit(prompts(10), hanging.url);
      await eventually(
        () => hanging.received.length >= 1,
        10_000,
        'the hanging receiver to be hit',
      );
      const healthyBatch = await submit(prompts(10), receiver.url);
      const delivered = await completedDelivery(healthyBatch, 'delivered');
      // The healthy batch's event went out while the hanging receiver still held attempts.
      const stuckDeliveries = await deliveriesOf(stuck);
      expect(stuckDeliveries.some((d: Json) => d.status === 'pending')).toBe(true);
      expect(delivered.attempts).toHaveLength(1);
    } finally {
      await hanging.close();
    }
  });

  it('rotates the secret with an overlap: both signatures are sent, either secret verifies', async () => {
    const { body: before } = await api('GET', '/api/enterprise/webhook-secret');
    const rotated = await api('POST', '/api/enterprise/webhook-secret/rotate', {
      overlap_seconds: 3600,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(before.secret);
    expect(rotated.body.previous_secrets).toEqual([
      { secret_prefix: `${before.secret.slice(0, 12)}…`, expires_at: expect.any(String) },
    ]);
    const expiresIn = Date.parse(rotated.body.previous_secrets[0].expires_at) - Date.now();
    expect(expiresIn).toBeGreaterThan(3_500_000);
    expect(expiresIn).toBeLessThanOrEqual(3_600_000);

    const batchId = await submit(prompts(10), receiver.url);
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
    expect(new Webhook(rotated.body.secret).verify(request.body, headers)).toBeTruthy();

    // Rotating with no overlap retires the previous secret at once.
    const immediate = await api('POST', '/api/enterprise/webhook-secret/rotate', {
      overlap_seconds: 0,
    });
    expect(immediate.body.previous_secrets.map((p: Json) => p.secret_prefix)).toEqual([
      `${before.secret.slice(0, 12)}…`,
    ]);
    const audit = await t.db.auditLog.findMany({ where: { action: 'webhook_secret.rotated' } });
    expect(audit).toHaveLength(2);
    // The audit trail names secrets by prefix only.
    expect(JSON.stringify(audit.map((a) => [a.before, a.after]))).not.toContain(before.secret);

    const bad = await api('POST', '/api/enterprise/webhook-secret/rotate', {
      overlap_seconds: 8 * 24 * 3600,
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].path).toBe('overlap_seconds');
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
    const as = (path: string, method = 'GET') =>
      fetch(`${t.baseUrl}${path}`, { method, headers: { 'x-api-key': created.value.secret } });
    expect((await as(`/api/enterprise/webhook-deliveries/${mine.delivery_id}`)).status).toBe(404);
    expect(
      (await as(`/api/enterprise/webhook-deliveries/${mine.delivery_id}/redeliver`, 'POST')).status,
    ).toBe(404);
    const list = (await (await as('/api/enterprise/webhook-deliveries')).json()) as Json;
    expect(list.data).toEqual([]);
    const otherSecret = (await (await as('/api/enterprise/webhook-secret')).json()) as Json;
    const { body: ownSecret } = await api('GET', '/api/enterprise/webhook-secret');
    expect(otherSecret.secret).not.toBe(ownSecret.secret);
  });

  it('pages through deliveries newest first', async () => {
    const first = await api('GET', '/api/enterprise/webhook-deliveries?limit=2');
    expect(first.body.data).toHaveLength(2);
    expect(first.body.has_more).toBe(true);
    const second = await api(
      'GET',
      `/api/enterprise/webhook-deliveries?limit=2&cursor=${first.body.next_cursor}`,
    );
    const ids = [...first.body.data, ...second.body.data].map((d: Json) => d.delivery_id);
    expect(new Set(ids).size).toBe(4);
    const times = [...first.body.data, ...second.body.data].map((d: Json) => d.created_at);
    expect([...times].sort().reverse()).toEqual(times);
    const bad = await api('GET', '/api/enterprise/webhook-deliveries?cursor=nope');
    expect(bad.status).toBe(422);
  });
});
