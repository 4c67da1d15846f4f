import type { Database } from '@batchreel/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAL_TEST_KEY, type FakeFal, startFakeFal } from '../support/fake-providers/fal';
import {
  type FakeReplicate,
  REPLICATE_TEST_TOKEN,
  startFakeReplicate,
} from '../support/fake-providers/replicate';
import { admit, type ProviderWorkerApp, settled, startProviderWorkerApp } from './worker-app';

// Live adapters end to end through the real worker: a model row on the provider, a batch
// admitted over REST, today's executor calling `generate()` (= `generateViaContract`), and the
// books: successes charged, failures refunded, one provider submission per attempt.

let fal: FakeFal;
let replicate: FakeReplicate;
let t: ProviderWorkerApp;

beforeAll(async () => {
  [fal, replicate] = await Promise.all([startFakeFal(), startFakeReplicate()]);
  // Every job takes a little while, as at the real providers.
  fal.script('[e2e', { queueMs: 100, runMs: 150 });
  replicate.script('[e2e', { queueMs: 100, runMs: 150 });
  t = await startProviderWorkerApp({
    providers: {
      fal: {
        apiKey: FAL_TEST_KEY,
        baseUrl: fal.baseUrl,
        taskTimeoutMs: 10_000,
        pollIntervalMs: 50,
      },
      replicate: {
        apiToken: REPLICATE_TEST_TOKEN,
        baseUrl: replicate.apiBase,
        taskTimeoutMs: 10_000,
        pollIntervalMs: 50,
      },
    },
    beforeStart: async (db: Database) => {
      await db.model.createMany({
        data: [
          {
            id: 'veo-3.1-fast',
            displayName: 'Veo 3.1 Fast (fal)',
            provider: 'fal',
            providerModel: 'fal-ai/veo3.1/fast',
            priceCredits: 15,
            allowedSeconds: [8, 4, 12],
          },
          {
            id: 'veo-3.1-replicate',
            displayName: 'Veo 3.1 (Replicate)',
            provider: 'replicate',
            providerModel: 'google/veo-3.1',
            priceCredits: 20,
            allowedSeconds: [8, 20],
          },
        ],
      });
    },
  });
});
afterAll(async () => {
  await t?.close();
  await Promise.all([fal?.close(), replicate?.close()]);
});

async function booksOf(batchId: string) {
  const rows = await t.db.creditLedger.findMany({ where: { refId: batchId } });
  const sum = (type: string) =>
    rows.filter((r) => r.refType === type).reduce((total, r) => total + r.creditsDelta, 0);
  const tasks = await t.db.videoTask.findMany({
    where: { batchId },
    orderBy: { batchIndex: 'asc' },
  });
  const refunded = new Set(rows.filter((r) => r.refType === 'batch_refund').map((r) => r.taskId));
  return { upfront: sum('batch_upfront'), refunds: sum('batch_refund'), tasks, refunded };
}

describe('fal through the real worker', () => {
  it('charges the videos made and refunds the refused and the invalid; a 5xx submit is retried', async () => {
    fal.script('[e2e-fal-flagged]', { outcome: 'content_policy' });
    fal.script('[e2e-fal-503]', { submit: [{ serverError: 503 }] });
    const admitted = await admit(t.baseUrl, [
      { prompt: 'A lighthouse at dusk [e2e-fal-ok]', model: 'veo-3.1-fast' },
      { prompt: 'Something violent [e2e-fal-flagged]', model: 'veo-3.1-fast' },
      // Allowed by our catalogue, refused by fal's Veo schema (4, 6 or 8 s).
      { prompt: 'A long take [e2e-fal-12s]', model: 'veo-3.1-fast', seconds: 12 },
      { prompt: 'A harbour at dawn [e2e-fal-503]', model: 'veo-3.1-fast' },
    ]);
    expect(admitted).toMatchObject({ required_credits: 60, cost_per_video: 15 });

    const batch = await settled(t.baseUrl, admitted.batch_id);
    expect(batch).toMatchObject({
      status: 'partial',
      success_count: 2,
      failed_count: 2,
      frozen_credits: 60,
      credits_spent: 30,
      refunded_credits: 30,
      settlement_status: 'refunded',
    });

    const books = await booksOf(admitted.batch_id);
    expect(books.upfront).toBe(-60);
    expect(books.refunds).toBe(30);
    const [ok, flagged, invalid, retried] = books.tasks;
    expect(ok).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(ok?.videoUrl).toMatch(new RegExp(`^${fal.baseUrl}/files/[0-9a-f-]{36}/output\\.mp4$`));
    expect(ok?.providerJobId).toMatch(/^fal-ai\/veo3\.1\/requests\//);
    expect(flagged).toMatchObject({ status: 'failed', errorCode: 'content_policy', attempts: 1 });
    expect(flagged?.errorMessage).toContain('flagged the prompt');
    expect(invalid).toMatchObject({ status: 'failed', errorCode: 'invalid_input', attempts: 1 });
    expect(retried).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect([...books.refunded].sort()).toEqual([flagged?.id, invalid?.id].sort());

    // Exactly one submission per attempt the books show.
    expect(fal.submissions('[e2e-fal-ok]')).toBe(1);
    expect(fal.submissions('[e2e-fal-flagged]')).toBe(1);
    expect(fal.submissions('[e2e-fal-12s]')).toBe(1);
    expect(fal.submissions('[e2e-fal-503]')).toBe(2);

    // The recorded link serves the video fal made.
    const video = await fetch(ok?.videoUrl ?? '');
    expect(video.headers.get('content-type')).toBe('video/mp4');
    expect((await video.arrayBuffer()).byteLength).toBe(64 * 1024);
  });
});

describe('Replicate through the real worker', () => {
  it('charges the videos made and refunds the refused and the invalid; a 429 waits its Retry-After', async () => {
    replicate.script('[e2e-rep-e005]', { outcome: 'content_policy' });
    replicate.script('[e2e-rep-429]', { submit: [{ rateLimited: 1 }] });
    const admitted = await admit(t.baseUrl, [
      { prompt: 'A lighthouse at dusk [e2e-rep-ok]', model: 'veo-3.1-replicate' },
      { prompt: 'Something sensitive [e2e-rep-e005]', model: 'veo-3.1-replicate' },
      // Allowed by our catalogue, refused by the model's schema (1–15 s): 422 at submit.
      { prompt: 'A long take [e2e-rep-20s]', model: 'veo-3.1-replicate', seconds: 20 },
      { prompt: 'A harbour at dawn [e2e-rep-429]', model: 'veo-3.1-replicate' },
    ]);
    expect(admitted).toMatchObject({ required_credits: 80 });

    const batch = await settled(t.baseUrl, admitted.batch_id);
    expect(batch).toMatchObject({
      status: 'partial',
      success_count: 2,
      failed_count: 2,
      credits_spent: 40,
      refunded_credits: 40,
      settlement_status: 'refunded',
    });

    const books = await booksOf(admitted.batch_id);
    expect(books.upfront).toBe(-80);
    expect(books.refunds).toBe(40);
    const [ok, refused, invalid, throttled] = books.tasks;
    expect(ok).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(ok?.videoUrl).toBe(`${replicate.baseUrl}/delivery/${ok?.providerJobId}/output.mp4`);
    expect(refused).toMatchObject({ status: 'failed', errorCode: 'content_policy', attempts: 1 });
    expect(invalid).toMatchObject({ status: 'failed', errorCode: 'invalid_input', attempts: 1 });
    expect(invalid?.errorMessage).toContain('input.duration');
    expect(throttled).toMatchObject({ status: 'succeeded', attempts: 2 });

    // The retry came after the provider's Retry-After (1 s), not at once.
    const creates = replicate.requests.filter(
      (r) => r.method === 'POST' && JSON.stringify(r.body ?? null).includes('[e2e-rep-429]'),
    );
    expect(creates).toHaveLength(2);
    expect((creates[1]?.at ?? 0) - (creates[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(replicate.submissions('[e2e-rep-ok]')).toBe(1);
    expect(replicate.submissions('[e2e-rep-e005]')).toBe(1);
    expect(replicate.submissions('[e2e-rep-20s]')).toBe(1);
  });
});
