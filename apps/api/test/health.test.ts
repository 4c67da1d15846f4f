import { createPrismaClient } from '@batchreel/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../src/app/server';
import { createLogger } from '../src/platform/logger';
import { startTestApp, type TestApp } from './helpers';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

describe('health endpoints', () => {
  it('GET /healthz answers 200 while the process is up', async () => {
    const response = await fetch(`${t.baseUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('GET /readyz answers 200 when the database and the queue answer', async () => {
    const response = await fetch(`${t.baseUrl}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, checks: { database: 'ok', queue: 'ok' } });
  });

  it('GET /readyz answers 503 naming the check that failed', async () => {
    // Same queue, but a database client pointed at a port where nothing listens.
    const deadDb = createPrismaClient('postgresql://nobody:x@127.0.0.1:1/none', {
      maxConnections: 1,
    });
    const app = await buildServer({
      db: deadDb,
      queue: t.queue,
      logger: createLogger({ LOG_LEVEL: 'silent' }),
    });
    try {
      const response = await app.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(503);
      const body = response.json();
      expect(body.ok).toBe(false);
      expect(body.checks.queue).toBe('ok');
      expect(body.checks.database).not.toBe('ok');
    } finally {
      await app.close();
      await deadDb.$disconnect();
    }
  });

  it('the public API answers 503 service_unavailable with Retry-After while the database is down', async () => {
    const deadDb = createPrismaClient('postgresql://nobody:x@127.0.0.1:1/none', {
      maxConnections: 1,
    });
    const app = await buildServer({
      db: deadDb,
      queue: t.queue,
      logger: createLogger({ LOG_LEVEL: 'silent' }),
    });
    try {
      for (const request of [
        { method: 'GET' as const, url: '/api/enterprise/balance' },
        {
          method: 'POST' as const,
          url: '/api/enterprise/video-batch',
          payload: { items: [{ prompt: 'a cat', model: 'sora-2' }] },
        },
      ]) {
        const response = await app.inject({
          ...request,
          headers: { 'x-api-key': 'demo-key', 'x-request-id': 'outage-1' },
        });
        expect(response.statusCode).toBe(503);
        expect(response.headers['retry-after']).toBe('1');
        expect(response.json()).toMatchObject({
          ok: false,
          error: { code: 'service_unavailable' },
          request_id: 'outage-1',
        });
      }
    } finally {
      await app.close();
      await deadDb.$disconnect();
    }
  });

  it('echoes a client X-Request-ID and mints one otherwise', async () => {
    const echoed = await fetch(`${t.baseUrl}/healthz`, { headers: { 'X-Request-ID': 'demo-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('demo-123');
    const minted = await fetch(`${t.baseUrl}/healthz`);
    expect(minted.headers.get('x-request-id')).toMatch(/^req_[0-9a-f-]{36}$/);
  });
});
