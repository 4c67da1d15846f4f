import { describe, expect, it } from 'vitest';
import { createFalProvider } from '../../src/providers/fal';
import { FAL_TEST_KEY, type FakeFal, startFakeFal } from '../support/fake-providers/fal';
import { contractSuite, never, pollUntilDone } from './contract-suite';

function falProvider(fake: FakeFal, overrides: { key?: string; requestTimeoutMs?: number } = {}) {
  return createFalProvider({
    apiKey: overrides.key ?? FAL_TEST_KEY,
    baseUrl: fake.baseUrl,
    taskTimeoutMs: 5_000,
    pollIntervalMs: 10,
    requestTimeoutMs: overrides.requestTimeoutMs ?? 2_000,
  });
}

const suite = contractSuite<FakeFal>({
  name: 'fal',
  start: () => startFakeFal(),
  provider: falProvider,
  secret: FAL_TEST_KEY,
  request: {
    providerModel: 'fal-ai/veo3.1/fast',
    parameters: { seconds: 8, size: '1280x720' },
    attempt: 1,
  },
  // Veo 3.1 on fal takes 4, 6 or 8 s; the queue accepts anything and the result is the 422.
  invalid: { request: { parameters: { seconds: 5, size: '1280x720' } }, at: 'poll' },
  afterCancel: 'canceled',
});

describe('fal specifics', () => {
  it('speaks the queue protocol: Key auth, the model input, status URLs without the sub-path', async () => {
    const { fake } = suite;
    const tag = suite.scripted({ queueMs: 50 });
    const provider = falProvider(fake);
    const jobId = await suite.submitted(provider, tag);
    await pollUntilDone(provider, jobId);

    const mine = fake.requests.filter((r) => r.path.includes(jobId.split('/requests/')[1] ?? '?'));
    const submit = fake.requests.find(
      (r) => r.method === 'POST' && JSON.stringify(r.body ?? null).includes(tag),
    );
    expect(submit?.path).toBe('/fal-ai/veo3.1/fast');
    expect(submit?.headers.authorization).toBe(`Key ${FAL_TEST_KEY}`);
    expect(submit?.body).toEqual({
      prompt: `A lighthouse at dusk ${tag}`,
      aspect_ratio: '16:9',
      duration: '8s',
      resolution: '720p',
    });
    expect(jobId).toMatch(/^fal-ai\/veo3\.1\/requests\/[0-9a-f-]{36}$/);
    const statusPaths = mine.filter((r) => r.path.endsWith('/status'));
    expect(statusPaths.length).toBeGreaterThan(0);
    for (const r of statusPaths)
      expect(r.path).toMatch(/^\/fal-ai\/veo3\.1\/requests\/[^/]+\/status$/);
    // The result is a separate call after COMPLETED.
    expect(mine.some((r) => r.method === 'GET' && !r.path.endsWith('/status'))).toBe(true);
  });

  it('reports the queue position while queued', async () => {
    const { fake } = suite;
    const provider = falProvider(fake);
    const first = await suite.submitted(provider, suite.scripted({ queueMs: 5_000 }));
    const second = await suite.submitted(provider, suite.scripted({ queueMs: 5_000 }));
    expect(await provider.poll(second, never())).toMatchObject({
      state: 'queued',
      position: expect.any(Number),
    });
    const a = await provider.poll(first, never());
    const b = await provider.poll(second, never());
    if (a.state !== 'queued' || b.state !== 'queued') throw new Error('expected both queued');
    expect(b.position).toBeGreaterThan(a.position ?? -1);
  });

  it('a content-checker refusal names the flagged field and its categories', async () => {
    const provider = falProvider(suite.fake);
    const tag = suite.scripted({ outcome: 'content_policy' });
    const { last } = await pollUntilDone(provider, await suite.submitted(provider, tag));
    expect(last).toMatchObject({ state: 'failed', failure: { code: 'content_policy' } });
    if (last.state !== 'failed') return;
    expect(last.failure.message).toBe(
      "The video provider's content checker flagged the prompt (violence).",
    );
    expect(last.failure.raw).toContain('flagged by a content checker');
  });

  it('invalid input names the field and the allowed values', async () => {
    const provider = falProvider(suite.fake);
    const tag = suite.scripted({});
    const result = await provider.submit(
      suite.request(tag, { parameters: { seconds: 5, size: '1280x720' } }),
      never(),
    );
    if (result.kind !== 'submitted') throw new Error('expected the queue to accept it');
    const { last } = await pollUntilDone(provider, result.jobId);
    expect(last).toMatchObject({ state: 'failed', failure: { code: 'invalid_input' } });
    if (last.state === 'failed')
      expect(last.failure.message).toContain("duration: Input should be '4s', '6s', '8s'");
  });

  it("fal's own request timeout (504 request_timeout) is timeout; a 5xx result is provider_error", async () => {
    const provider = falProvider(suite.fake);
    const timedOut = await pollUntilDone(
      provider,
      await suite.submitted(provider, suite.scripted({ outcome: 'timeout' })),
    );
    expect(timedOut.last).toMatchObject({ state: 'failed', failure: { code: 'timeout' } });
    const failed = await pollUntilDone(
      provider,
      await suite.submitted(provider, suite.scripted({ outcome: 'error' })),
    );
    expect(failed.last).toMatchObject({ state: 'failed', failure: { code: 'provider_error' } });
  });

  it('a result fal no longer keeps is lost', async () => {
    const provider = falProvider(suite.fake);
    const { last } = await pollUntilDone(
      provider,
      await suite.submitted(provider, suite.scripted({ outcome: 'expired' })),
    );
    expect(last).toMatchObject({ state: 'failed', failure: { code: 'lost' } });
  });

  it('a locked account (403 exhausted balance) still answers status requests', async () => {
    const { fake } = suite;
    const provider = falProvider(fake);
    const jobId = await suite.submitted(provider, suite.scripted({ runMs: 30 }));
    fake.account.outOfCredits = true;
    try {
      const submit = await provider.submit(suite.request(suite.scripted({})), never());
      expect(submit).toMatchObject({ kind: 'failed', failure: { code: 'provider_unavailable' } });
      if (submit.kind === 'failed') expect(submit.failure.raw).toContain('Exhausted balance');
      expect((await pollUntilDone(provider, jobId)).last.state).toBe('succeeded');
    } finally {
      fake.account.outOfCredits = false;
    }
  });

  it('the usage carries fal’s inference time', async () => {
    const provider = falProvider(suite.fake);
    const { last } = await pollUntilDone(
      provider,
      await suite.submitted(provider, suite.scripted({})),
    );
    expect(last).toMatchObject({
      state: 'succeeded',
      usage: { metered: { inference_seconds: 41.2 } },
    });
  });
});
