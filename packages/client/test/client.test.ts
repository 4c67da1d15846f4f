import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BatchreelClient,
  type Exchange,
  verifyWebhook,
  WebhookVerificationError,
} from '../src/index';
import {
  API_KEY,
  apiUrl,
  client,
  MODEL,
  moneySnapshot,
  PRICE,
  rejection,
  unreachableUrl,
} from './support';

const items = (count: number, prompt = (i: number) => `Library ${i}`) =>
  Array.from({ length: count }, (_, i) => ({ prompt: prompt(i), model: MODEL }));

describe('BatchreelApiError', () => {
  it('carries required and available credits from a 402, and nothing is charged', async () => {
    const before = await moneySnapshot();
    const count = Math.floor(before.available / PRICE) + 1;
    const error = await rejection(client().createBatch({ items: items(count) }));
    expect(error.status).toBe(402);
    expect(error.code).toBe('insufficient_credits');
    expect(error.requiredCredits).toBe(count * PRICE);
    expect(error.availableCredits).toBe(before.available);
    expect(error.shortfallCredits).toBe(count * PRICE - before.available);
    expect(error.details).toEqual([]);
    expect(error.requestId).toEqual(expect.any(String));
    expect(error.body).toMatchObject({ ok: false, error: { code: 'insufficient_credits' } });
    expect(await moneySnapshot()).toEqual(before);

    const quote = await client().quote({ items: items(count) });
    expect(quote).toMatchObject({
      would_admit: false,
      required_credits: count * PRICE,
      shortfall_credits: count * PRICE - before.available,
    });
  });

  it('lists validation problems, and maps 401 and 404', async () => {
    const invalid = await rejection(
      client().quote({ items: [{ prompt: 'A cat', model: 'no-such-model' }] }),
    );
    expect(invalid.status).toBe(422);
    expect(invalid.code).toBe('invalid_request');
    expect(invalid.details).toEqual([
      expect.objectContaining({ path: 'items[0].model', message: expect.any(String) }),
    ]);

    const unauthorized = await rejection(client({ apiKey: 'wrong' }).balance());
    expect(unauthorized).toMatchObject({ status: 401, code: 'invalid_api_key' });

    const missing = await rejection(client().getBatch(randomUUID()));
    expect(missing).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('reports a network failure as status 0 `network_error` naming the URL', async () => {
    const baseUrl = await unreachableUrl();
    const unreachable = new BatchreelClient({ baseUrl, apiKey: API_KEY });
    const error = await rejection(unreachable.balance());
    expect(error).toMatchObject({ status: 0, code: 'network_error', requestId: null });
    expect(error.message).toBe(
      `Could not reach GET ${baseUrl}/api/enterprise/balance: ECONNREFUSED`,
    );
  });

  it('handles answers that are not JSON', async () => {
    const html = (status: number) =>
      new BatchreelClient({
        baseUrl: 'http://proxy.invalid',
        apiKey: API_KEY,
        fetch: async () =>
          new Response('<html>Bad gateway</html>', {
            status,
            headers: { 'content-type': 'text/html' },
          }),
      });
    const gateway = await rejection(html(502).balance());
    expect(gateway).toMatchObject({
      status: 502,
      code: 'invalid_response',
      body: '<html>Bad gateway</html>',
    });
    expect(gateway.message).toContain('Bad gateway');
    const okButHtml = await rejection(html(200).balance());
    expect(okButHtml).toMatchObject({ status: 200, code: 'invalid_response' });
  });
});

describe('BatchreelClient', () => {
  it('replays a createBatch with the same request id: same batch, reserved once', async () => {
    const exchanges: Exchange[] = [];
    const api = new BatchreelClient({
      baseUrl: apiUrl(),
      apiKey: API_KEY,
      onExchange: (exchange) => exchanges.push(exchange),
    });
    const request = { items: items(3), metadata: { run: 'replay' } };
    const requestId = `lib-${randomUUID()}`;
    const before = await api.balance();

    const first = await api.createBatch(request, { requestId });
    const second = await api.createBatch(request, { requestId });
    expect(first.replayed).toBe(false);
    expect(second.replayed).toBe(true);
    expect(second.batch.batch_id).toBe(first.batch.batch_id);
    expect(first.batch).toMatchObject({
      ok: true,
      total_count: 3,
      cost_per_video: PRICE,
      required_credits: 3 * PRICE,
      status: 'queued',
      request_id: requestId,
    });

    const posts = exchanges.filter((exchange) => exchange.method === 'POST');
    expect(posts).toHaveLength(2);
    expect(posts[0]).toMatchObject({
      path: '/api/enterprise/video-batch',
      status: 202,
      requestBody: request,
      requestHeaders: expect.objectContaining({ 'X-Request-ID': requestId, 'X-API-Key': API_KEY }),
    });
    expect(posts[1]?.responseHeaders['idempotent-replayed']).toBe('true');

    const reused = await rejection(api.createBatch({ items: items(4) }, { requestId }));
    expect(reused).toMatchObject({ status: 422, code: 'idempotency_key_reused' });

    const progress: string[] = [];
    const settled = await api.waitForBatch(first.batch.batch_id, {
      intervalMs: 100,
      onProgress: (batch) => progress.push(batch.status),
    });
    expect(settled).toMatchObject({ status: 'completed', success_count: 3, credits_spent: 30 });
    expect(progress.at(-1)).toBe('completed');
    expect((await api.balance()).balance).toBe(before.balance - 3 * PRICE);

    const notCancellable = await rejection(api.cancelBatch(first.batch.batch_id));
    expect(notCancellable).toMatchObject({ status: 409, code: 'not_cancellable' });
  });

  it('tasks() follows next_cursor through every page, in request order', async () => {
    const exchanges: Exchange[] = [];
    const api = new BatchreelClient({
      baseUrl: apiUrl(),
      apiKey: API_KEY,
      onExchange: (exchange) => exchanges.push(exchange),
    });
    const { batch } = await api.createBatch({
      items: items(25, (i) => (i % 10 === 3 ? `Refused ${i} [sim:content_policy]` : `Page ${i}`)),
    });
    await api.waitForBatch(batch.batch_id, { intervalMs: 100 });

    const all = [];
    for await (const task of api.tasks(batch.batch_id, { pageSize: 10 })) all.push(task);
    expect(all.map((task) => task.batch_index)).toEqual([...Array(25).keys()]);
    const pages = exchanges.filter((exchange) => exchange.path.includes('/tasks'));
    expect(pages).toHaveLength(3);
    expect(pages[0]?.path).toBe(`/api/enterprise/video-batch/${batch.batch_id}/tasks?limit=10`);
    expect(pages[1]?.path).toContain('&cursor=');

    const failed = [];
    for await (const task of api.tasks(batch.batch_id, { status: 'failed', pageSize: 2 })) {
      failed.push(task);
    }
    expect(failed.map((task) => [task.batch_index, task.error_code])).toEqual([
      [3, 'content_policy'],
      [13, 'content_policy'],
      [23, 'content_policy'],
    ]);

    const page = await api.listTasks(batch.batch_id, { limit: 5 });
    expect(page).toMatchObject({ ok: true, has_more: true, next_cursor: expect.any(String) });
    expect(page.data).toHaveLength(5);
  });

  it('lists batches newest first and finds one by the start of its id', async () => {
    const api = client();
    const { batch: older } = await api.createBatch({ items: items(1) });
    const { batch: newer } = await api.createBatch({ items: items(1) });
    const page = await api.listBatches({ limit: 2 });
    expect(page.data.map((b) => b.batch_id)).toEqual([newer.batch_id, older.batch_id]);
    expect(page.has_more).toBe(true);
    const next = await api.listBatches({ limit: 2, cursor: page.next_cursor ?? '' });
    expect(next.data.map((b) => b.batch_id)).not.toContain(newer.batch_id);

    const found = await api.listBatches({ idPrefix: older.batch_id.slice(0, 8) });
    expect(found.data.map((b) => b.batch_id)).toEqual([older.batch_id]);
    expect(found.data[0]).toMatchObject({ total_count: 1, required_credits: PRICE });

    const error = await rejection(api.listBatches({ idPrefix: 'xyz' }));
    expect(error).toMatchObject({ status: 422, code: 'invalid_request' });
    expect(error.details.map((d) => d.path)).toEqual(['query.id_prefix']);
  });

  it('gives up waiting after timeoutMs', async () => {
    const api = client();
    const { batch } = await api.createBatch({ items: items(1, () => 'Slow [sim:timeout]') });
    const error = await rejection(
      api.waitForBatch(batch.batch_id, { intervalMs: 20, timeoutMs: 1 }),
    );
    expect(error).toMatchObject({ status: 0, code: 'wait_timeout' });
    const settled = await api.waitForBatch(batch.batch_id, { intervalMs: 100 });
    expect(settled).toMatchObject({ status: 'failed', failed_count: 1, refunded_credits: PRICE });
  });

  it('reads the ledger, the signing secret and webhook deliveries', async () => {
    const api = client();
    const ledger = await api.ledger({ limit: 2 });
    expect(ledger.data).toHaveLength(2);
    expect(ledger.has_more).toBe(true);
    const next = await api.ledger({ limit: 2, cursor: ledger.next_cursor ?? '' });
    expect(Number(next.data[0]?.id)).toBeLessThan(Number(ledger.data[1]?.id));

    const secret = await api.webhookSecret();
    expect(secret.secret).toMatch(/^whsec_/);
    const rotated = await api.rotateWebhookSecret(60);
    expect(rotated.secret).not.toBe(secret.secret);
    expect(rotated.previous_secrets).toEqual([
      expect.objectContaining({
        secret_prefix: expect.any(String),
        expires_at: expect.any(String),
      }),
    ]);

    const deliveries = await api.webhookDeliveries({ status: 'delivered', limit: 5 });
    expect(deliveries.ok).toBe(true);
    expect(Array.isArray(deliveries.data)).toBe(true);
    const none = await api.webhookDeliveries({ batchId: randomUUID() });
    expect(none).toEqual({ ok: true, data: [], has_more: false, next_cursor: null });
    const badCursor = await rejection(api.webhookDeliveries({ cursor: 'nonsense' }));
    expect(badCursor).toMatchObject({ status: 422, code: 'invalid_request' });
    expect(badCursor.details[0]?.path).toBe('query.cursor');
  });

  it('re-exports the webhook verifier', () => {
    expect(() =>
      verifyWebhook({ body: '{}', headers: {}, secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAA==' }),
    ).toThrow(WebhookVerificationError);
  });
});
