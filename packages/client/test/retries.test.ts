// The client sends a call again only when that cannot do harm: the API did not act on it (429,
// 503), or it is safe to repeat and its outcome is unknown. Against a scripted HTTP server that
// answers each request in turn, so every attempt is seen and counted.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchreelClient } from '../src/index';
import { rejection } from './support';

type Step = 'reset' | { status: number; body: unknown; headers?: Record<string, string> };

const envelope = (code: string) => ({
  ok: false,
  error: { code, message: code, details: [] },
  request_id: 'req_test',
});
const unavailable = (retryAfter: string): Step => ({
  status: 503,
  body: envelope('service_unavailable'),
  headers: { 'retry-after': retryAfter },
});
const BALANCE = { ok: true, balance: 100, reserved_credits: 0, available_credits: 100 };

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A server that answers the n-th request with `steps[n]` (the last step repeats). */
async function scripted(steps: Step[]) {
  const seen: { method: string; url: string; requestId: string | undefined }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        requestId: req.headers['x-request-id'] as string | undefined,
      });
      const step = steps[Math.min(seen.length, steps.length) - 1] as Step;
      if (step === 'reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
      res.end(JSON.stringify(step.body));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, seen };
}

const clientOf = (baseUrl: string, maxRetries?: number) =>
  new BatchreelClient({
    baseUrl,
    apiKey: 'test-key',
    ...(maxRetries === undefined ? {} : { maxRetries }),
  });

describe('client retries', () => {
  it('reads again after 503 with Retry-After until the service answers', async () => {
    const api = await scripted([
      unavailable('0'),
      unavailable('0'),
      { status: 200, body: BALANCE },
    ]);
    await expect(clientOf(api.baseUrl).balance()).resolves.toEqual(BALANCE);
    expect(api.seen).toHaveLength(3);
  });

  it('gives up after maxRetries, with the last answer', async () => {
    const api = await scripted([unavailable('0')]);
    const error = await rejection(clientOf(api.baseUrl).balance());
    expect(error).toMatchObject({ status: 503, code: 'service_unavailable', retryAfterSeconds: 0 });
    expect(api.seen).toHaveLength(3); // the call and 2 retries

    const once = await scripted([unavailable('0')]);
    await rejection(clientOf(once.baseUrl, 0).balance());
    expect(once.seen).toHaveLength(1);
  });

  it('does not wait out a Retry-After longer than 10 s: the caller decides', async () => {
    const api = await scripted([unavailable('60')]);
    const error = await rejection(clientOf(api.baseUrl).balance());
    expect(error.retryAfterSeconds).toBe(60);
    expect(api.seen).toHaveLength(1);
  });

  it('resubmits an unanswered createBatch with the same made-up X-Request-ID', async () => {
    const admitted = {
      ok: true,
      batch_id: '00000000-0000-4000-8000-000000000001',
      status: 'queued',
    };
    const api = await scripted(['reset', { status: 202, body: admitted }]);
    const { batch } = await clientOf(api.baseUrl).createBatch({
      items: [{ prompt: 'A cat', model: 'sora-2' }],
    });
    expect(batch.batch_id).toBe(admitted.batch_id);
    expect(api.seen).toHaveLength(2);
    expect(api.seen[0]?.requestId).toMatch(/^client-[0-9a-f-]{36}$/);
    expect(api.seen[1]?.requestId).toBe(api.seen[0]?.requestId);
  });

  it('keeps the caller’s X-Request-ID, and retries while it is still in flight (409)', async () => {
    const admitted = {
      ok: true,
      batch_id: '00000000-0000-4000-8000-000000000002',
      status: 'queued',
    };
    const api = await scripted([
      { status: 409, body: envelope('request_in_progress') },
      { status: 202, body: admitted },
    ]);
    await clientOf(api.baseUrl).createBatch(
      { items: [{ prompt: 'A cat', model: 'sora-2' }] },
      { requestId: 'mine-1' },
    );
    expect(api.seen.map((s) => s.requestId)).toEqual(['mine-1', 'mine-1']);
  });

  it('never repeats a cancel whose outcome is unknown, but does after a 429', async () => {
    const batchId = '00000000-0000-4000-8000-000000000003';
    const lost = await scripted(['reset']);
    const error = await rejection(clientOf(lost.baseUrl).cancelBatch(batchId));
    expect(error.code).toBe('network_error');
    expect(lost.seen).toHaveLength(1);

    const limited = await scripted([
      { status: 429, body: envelope('rate_limited'), headers: { 'retry-after': '0' } },
      { status: 200, body: { ok: true, batch_id: batchId } },
    ]);
    await clientOf(limited.baseUrl).cancelBatch(batchId);
    expect(limited.seen).toHaveLength(2);
  });

  it('does not retry a refusal: 402, 404, 422 come back at once', async () => {
    const api = await scripted([{ status: 402, body: envelope('insufficient_credits') }]);
    const error = await rejection(
      clientOf(api.baseUrl).createBatch({ items: [{ prompt: 'A cat', model: 'sora-2' }] }),
    );
    expect(error.code).toBe('insufficient_credits');
    expect(api.seen).toHaveLength(1);
  });
});
