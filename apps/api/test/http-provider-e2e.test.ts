import { createModel } from '@batchreel/db/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers';
import { type FakeVideosServer, startFakeVideosServer } from './support/fake-videos-server';
import { submitBatch, waitUntilSettled } from './support/scenarios';

let fake: FakeVideosServer;
let t: TestApp;
beforeAll(async () => {
  fake = await startFakeVideosServer();
  t = await startTestApp({
    worker: {
      httpVideos: {
        name: 'openai',
        baseUrl: fake.baseUrl,
        apiKey: fake.apiKey,
        taskTimeoutMs: 2000,
        pollIntervalMs: 20,
        modelMap: { 'sora-2-remote': 'sora-2' },
      },
    },
  });
  await t.db.model.update({
    where: { id: (await createModel(t.db, { id: 'sora-2-remote', priceCredits: 12 })).id },
    data: { provider: 'openai' },
  });
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});

it('runs a model on the HTTP videos provider through the real worker: success and refused', async () => {
  fake.script('[remote:moderated]', {
    failure: { code: 'moderation_blocked', message: 'Blocked by moderation.' },
  });
  const admitted = await submitBatch(t, [
    { prompt: 'A lighthouse at dusk', model: 'sora-2-remote' },
    { prompt: 'Something [remote:moderated]', model: 'sora-2-remote' },
  ]);

  const batch = await waitUntilSettled(t, admitted.batch_id, { timeoutMs: 10_000 });
  expect(batch).toMatchObject({
    status: 'partial',
    success_count: 1,
    failed_count: 1,
    credits_spent: 12,
    refunded_credits: 12,
  });

  const tasks = await t.db.videoTask.findMany({
    where: { batchId: admitted.batch_id },
    orderBy: { batchIndex: 'asc' },
  });
  expect(tasks[0]).toMatchObject({ status: 'succeeded' });
  expect(tasks[0]?.videoUrl).toMatch(new RegExp(`^${fake.baseUrl}/videos/[^/]+/content$`));
  expect(tasks[0]?.providerJobId).toBeTruthy();
  expect(tasks[1]).toMatchObject({ status: 'failed', errorCode: 'content_policy', attempts: 1 });
  // The catalogue's model id was mapped to the provider's, and the key was sent as a bearer token.
  const creates = fake.requests.filter((r) => r.method === 'POST');
  expect(creates.map((r) => (r.body as { model?: unknown }).model)).toEqual(['sora-2', 'sora-2']);
  expect(creates[0]?.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
});
