import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers';
import { sendRaw } from './support/fuzz-http';

/**
 * Requests too broken to reach a route (Node's parser refuses them, or the router cannot decode
 * the URL) still get the docs/product.md §3 envelope and an X-Request-ID, never Fastify's or Node's own
 * shapes or a silently closed connection. The fuzz test explores this space; these pin each kind.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ seed: false });
});
afterAll(() => t?.close());

async function raw(head: string, body = '') {
  const host = new URL(t.baseUrl).host;
  const answer = await sendRaw(
    t.baseUrl,
    {
      head: Buffer.from(head.replace('{host}', host), 'latin1'),
      body: Buffer.from(body),
      method: head.split(' ')[0] ?? '',
    },
    'malformed',
  );
  const envelope = JSON.parse(answer.text) as {
    ok: boolean;
    error: { code: string; message: string };
    request_id: string;
  };
  expect(envelope.ok).toBe(false);
  expect(answer.headers['x-request-id']).toBe(envelope.request_id);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  return { status: answer.status, code: envelope.error.code, message: envelope.error.message };
}

describe('malformed HTTP', () => {
  it('a syntax error in the request line → 400 malformed_request', async () => {
    expect(await raw('G ET / HTTP/1.1\r\nHost: {host}\r\n\r\n')).toMatchObject({
      status: 400,
      code: 'malformed_request',
    });
  });

  it('conflicting Content-Length headers → 400 malformed_request', async () => {
    const head =
      'POST /api/enterprise/video-batch HTTP/1.1\r\nHost: {host}\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n';
    expect(await raw(head, '{}')).toMatchObject({ status: 400, code: 'malformed_request' });
  });

  it('headers over 16 KiB → 431 headers_too_large', async () => {
    const head = `GET /healthz HTTP/1.1\r\nHost: {host}\r\nX-Huge: ${'h'.repeat(20_000)}\r\n\r\n`;
    expect(await raw(head)).toMatchObject({ status: 431, code: 'headers_too_large' });
  });

  it('an HTTP/1.1 request without Host, or with a Host that is no host → 400', async () => {
    expect(await raw('GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n')).toMatchObject({
      status: 400,
      code: 'malformed_request',
      message: expect.stringMatching(/Host/),
    });
    expect(
      await raw('GET /healthz HTTP/1.1\r\nHost: exa mple/<x>\r\nConnection: close\r\n\r\n'),
    ).toMatchObject({ status: 400, code: 'malformed_request' });
  });

  it('broken percent-encoding in the path → 400 malformed_request with the client request id', async () => {
    const response = await fetch(`${t.baseUrl}/api/enterprise/video-batch/%zz/tasks`, {
      headers: { 'x-api-key': 'demo-key', 'x-request-id': 'bad-url-1' },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-request-id')).toBe('bad-url-1');
    expect(await response.json()).toMatchObject({
      error: { code: 'malformed_request' },
      request_id: 'bad-url-1',
    });
  });

  it('an id longer than any the API issues → 404 not_found', async () => {
    const response = await fetch(`${t.baseUrl}/api/enterprise/video-batch/${'x'.repeat(150)}`, {
      headers: { 'x-api-key': 'demo-key' },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('CONNECT (the API is no proxy) → 404 route_not_found, not a dropped connection', async () => {
    expect(
      await raw('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'),
    ).toMatchObject({ status: 404, code: 'route_not_found' });
  });

  it('a garbage X-Forwarded-Proto or -Host is ignored, not a 500', async () => {
    for (const headers of [{ 'x-forwarded-proto': 'gzip' }, { 'x-forwarded-host': 'a b/<c>' }]) {
      const response = await fetch(`${t.baseUrl}/api/enterprise/docs`, {
        headers,
        redirect: 'manual',
      });
      expect(response.status).toBe(301);
      expect(response.headers.get('location')).toBe('/api/enterprise/docs/');
    }
  });
});

describe('bodies the admin API cannot take', () => {
  // Found by the fuzz test (seed 1223872601): Fastify refused the body before tRPC saw the
  // request, and answered in the public API's envelope instead of tRPC's shape.
  it.each([
    ['OPTIONS', '/trpc/', 'text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['POST', '/trpc/auth.signIn', 'text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['POST', '/trpc/auth.signIn', 'application/json', 400, 'BAD_REQUEST'],
  ])('%s %s as %s → %i in tRPC error shape', async (method, path, type, status, code) => {
    const response = await fetch(`${t.baseUrl}${path}`, {
      method,
      headers: { 'content-type': type, 'x-batchreel-admin': '1' },
      body: '{"json":',
    });
    expect(response.status).toBe(status);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    const body = (await response.json()) as {
      error: { json: { message: string; data: { code: string; httpStatus: number } } };
    };
    expect(body.error.json.data).toMatchObject({ code, httpStatus: status });
    expect(body.error.json.message).toEqual(expect.any(String));
  });
});
