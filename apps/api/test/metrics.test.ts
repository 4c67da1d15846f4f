// GET /metrics end to end: a real server, database, pg-boss and worker; the exposition is parsed
// as Prometheus would read it and checked against what happened to the batches.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../src/app/server';
import { workerMetrics } from '../src/metrics/registry';
import { createLogger } from '../src/platform/logger';
import { startTestApp, type TestApp } from './helpers';
import { clientOf, submitBatch } from './support/scenarios';
import { eventually, startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The text exposition format (0.0.4): `name{label="value",…} number` lines; comments skipped. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key as string] = (raw as string).replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

class Metrics {
  constructor(readonly samples: Sample[]) {}
  /** Samples of a metric whose labels include `labels`. */
  all(name: string, labels: Record<string, string> = {}) {
    return this.samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
  }
  /** The value of exactly one sample. */
  value(name: string, labels: Record<string, string> = {}) {
    const found = this.all(name, labels);
    if (found.length !== 1) {
      throw new Error(`${name}${JSON.stringify(labels)}: ${found.length} samples`);
    }
    return (found[0] as Sample).value;
  }
}

async function scrape(baseUrl: string) {
  const response = await fetch(`${baseUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return new Metrics(parseExposition(await response.text()));
}

describe('GET /metrics after a batch ran', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let batchId: string;
  let metrics: Metrics;

  beforeAll(async () => {
    // The client's endpoint is down: every attempt gets a 500, so both events end `failed`.
    receiver = await startWebhookReceiver({ reply: () => 500 });
    t = await startTestApp({ worker: { webhooks: { retryScheduleMs: [50, 50] } } });
    const admitted = await submitBatch(
      t,
      ['A cat playing piano', 'A dog on a skateboard', 'Sunrise [sim:timeout]'],
      { webhook_url: receiver.url },
    );
    batchId = admitted.batch_id;
    await eventually(
      async () => {
        const batch = await t.db.batchJob.findUniqueOrThrow({ where: { id: batchId } });
        const deliveries = await t.db.webhookDelivery.findMany({ where: { batchId } });
        return (
          batch.settlementStatus !== 'pending' &&
          deliveries.length === 2 &&
          deliveries.every((d) => d.status === 'failed')
        );
      },
      30_000,
      'the batch to settle and its webhooks to fail',
    );
    const api = await clientOf(t);
    await api.getBatch(batchId);
    expect(api.last.status).toBe(200);
    expect((await fetch(`${t.baseUrl}/no/such/route/${batchId}`)).status).toBe(404);
    metrics = await scrape(t.baseUrl);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('counts requests by route template, never by raw URL', () => {
    expect(
      metrics.value('batchreel_http_requests_total', {
        method: 'POST',
        route: '/api/enterprise/video-batch',
        status: '202',
      }),
    ).toBe(1);
    expect(
      metrics.value('batchreel_http_requests_total', {
        method: 'GET',
        route: '/api/enterprise/video-batch/:id',
        status: '200',
      }),
    ).toBe(1);
    expect(
      metrics.value('batchreel_http_requests_total', {
        method: 'GET',
        route: 'unmatched',
        status: '404',
      }),
    ).toBe(1);
    expect(
      metrics.samples.some((s) => Object.values(s.labels).some((v) => v.includes(batchId))),
    ).toBe(false);
    expect(
      metrics.value('batchreel_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/api/enterprise/video-batch',
      }),
    ).toBe(1);
  });

  it('reports batches and tasks by status and the credits moved', () => {
    expect(metrics.value('batchreel_batches', { status: 'partial' })).toBe(1);
    for (const status of ['queued', 'processing', 'completed', 'failed', 'canceled']) {
      expect(metrics.value('batchreel_batches', { status })).toBe(0);
    }
    expect(metrics.value('batchreel_tasks', { status: 'succeeded' })).toBe(2);
    expect(metrics.value('batchreel_tasks', { status: 'failed' })).toBe(1);
    for (const status of ['queued', 'running', 'canceled']) {
      expect(metrics.value('batchreel_tasks', { status })).toBe(0);
    }
    expect(metrics.value('batchreel_credits_charged')).toBe(30);
    expect(metrics.value('batchreel_credits_refunded')).toBe(10);
    expect(metrics.value('batchreel_credits_frozen')).toBe(0);
    expect(metrics.value('batchreel_credits_reserved')).toBe(0);
    expect(metrics.value('batchreel_batches_integrity_error')).toBe(0);
    expect(metrics.value('batchreel_metrics_db_up')).toBe(1);
  });

  it('counts failed webhook deliveries and attempts', () => {
    expect(metrics.value('batchreel_webhook_deliveries', { status: 'failed' })).toBe(2);
    expect(metrics.value('batchreel_webhook_deliveries', { status: 'delivered' })).toBe(0);
    // Two events, three attempts each (the first and two retries), every one answered 500.
    expect(metrics.value('batchreel_webhook_attempts', { outcome: 'failed' })).toBe(6);
    expect(metrics.value('batchreel_webhook_attempts', { outcome: 'delivered' })).toBe(0);
    expect(receiver.received).toHaveLength(6);
  });

  it('has queue depth and age gauges for every queue, and process metrics', () => {
    for (const queue of ['batch-start', 'task-run', 'webhook-deliver', 'batch-repair']) {
      for (const state of ['waiting', 'deferred', 'active', 'failed']) {
        expect(metrics.all('batchreel_queue_depth', { queue, state })).toHaveLength(1);
      }
      expect(
        metrics.value('batchreel_queue_oldest_waiting_seconds', { queue }),
      ).toBeGreaterThanOrEqual(0);
    }
    expect(metrics.value('batchreel_queue_depth', { queue: 'task-run', state: 'waiting' })).toBe(0);
    expect(metrics.value('batchreel_db_max_connections')).toBeGreaterThan(0);
    expect(metrics.all('batchreel_db_connections').length).toBeGreaterThan(0);
    expect(metrics.all('batchreel_process_cpu_user_seconds_total')).toHaveLength(1);
    expect(metrics.all('batchreel_nodejs_heap_size_used_bytes')).toHaveLength(1);
  });
});

describe('GET /metrics while work waits (no worker)', () => {
  let t: TestApp;
  afterAll(() => t?.close());

  it('counts queued work: reserved credits, queued tasks, the waiting batch-start job and its age', async () => {
    t = await startTestApp();
    const { batch_id: batchId } = await submitBatch(t, ['One', 'Two', 'Three', 'Four']);
    // A batch the settlement flagged (simulated: the column is what the gauge reads).
    await t.db.batchJob.update({ where: { id: batchId }, data: { integrityError: 'test' } });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const metrics = await scrape(t.baseUrl);
    expect(metrics.value('batchreel_batches', { status: 'queued' })).toBe(1);
    expect(metrics.value('batchreel_tasks', { status: 'queued' })).toBe(4);
    expect(metrics.value('batchreel_credits_reserved')).toBe(40);
    expect(metrics.value('batchreel_credits_frozen')).toBe(0);
    expect(metrics.value('batchreel_batches_integrity_error')).toBe(1);
    expect(metrics.value('batchreel_queue_depth', { queue: 'batch-start', state: 'waiting' })).toBe(
      1,
    );
    expect(
      metrics.value('batchreel_queue_oldest_waiting_seconds', { queue: 'batch-start' }),
    ).toBeGreaterThanOrEqual(1);
  });
});

describe('METRICS_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ seed: false });
  });
  afterAll(() => t?.close());

  it('answers 401 without the bearer token or with a wrong one, 200 with it', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const app = await buildServer({
      db: t.db,
      queue: t.queue,
      logger: createLogger({ LOG_LEVEL: 'silent' }),
      config: { metricsToken: token },
    });
    try {
      const missing = await app.inject({ method: 'GET', url: '/metrics' });
      expect(missing.statusCode).toBe(401);
      expect(missing.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(missing.json()).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
      expect(missing.body).not.toContain('batchreel_');

      const wrong = await app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${token}x` },
      });
      expect(wrong.statusCode).toBe(401);
      const basic = await app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` },
      });
      expect(basic.statusCode).toBe(401);

      const right = await app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(right.statusCode).toBe(200);
      expect(right.body).toContain('batchreel_batches{status="queued"} 0');
    } finally {
      await app.close();
    }
  });

  it('is open when no token is configured', async () => {
    const response = await fetch(`${t.baseUrl}/metrics`);
    expect(response.status).toBe(200);
  });
});

describe('worker job counters', () => {
  it('count handled jobs by queue and outcome, and rethrow failures for pg-boss to retry', async () => {
    const registry = new Registry();
    const { track } = workerMetrics(registry);
    await track('task-run', 25, async () => {});
    await expect(
      track('task-run', 5, async () => {
        throw new Error('provider exploded');
      }),
    ).rejects.toThrow('provider exploded');
    const metrics = new Metrics(parseExposition(await registry.metrics()));
    expect(
      metrics.value('batchreel_worker_jobs_total', { queue: 'task-run', outcome: 'completed' }),
    ).toBe(25);
    expect(
      metrics.value('batchreel_worker_jobs_total', { queue: 'task-run', outcome: 'failed' }),
    ).toBe(5);
    expect(
      metrics.value('batchreel_worker_handler_duration_seconds_count', { queue: 'task-run' }),
    ).toBe(2);
  });
});
