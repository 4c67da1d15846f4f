import { describe, expect, it } from 'vitest';
import { createReplicateProvider } from '../../src/providers/replicate';
import {
  type FakeReplicate,
  REPLICATE_TEST_TOKEN,
  startFakeReplicate,
} from '../support/fake-providers/replicate';
import { contractSuite, never, pollUntilDone } from './contract-suite';

function replicateProvider(
  fake: FakeReplicate,
  overrides: { key?: string; requestTimeoutMs?: number } = {},
) {
  return createReplicateProvider({
    apiToken: overrides.key ?? REPLICATE_TEST_TOKEN,
    baseUrl: fake.apiBase,
    taskTimeoutMs: 5_000,
    pollIntervalMs: 10,
    requestTimeoutMs: overrides.requestTimeoutMs ?? 2_000,
  });
}

const suite = contractSuite<FakeReplicate>({
  name: 'replicate',
  start: () => startFakeReplicate(),
  provider: replicateProvider,
  secret: REPLICATE_TEST_TOKEN,
  request: {
    providerModel: 'google/veo-3.1',
    parameters: { seconds: 8, size: '1280x720' },
    attempt: 1,
  },
  // The model's schema allows 1–15 s: Replicate answers 422 with `invalid_fields`.
  invalid: { request: { parameters: { seconds: 30, size: '1280x720' } }, at: 'submit' },
  afterCancel: 'canceled',
});

describe('replicate specifics', () => {
  it('creates an official-model prediction with a bearer token and no Prefer: wait', async () => {
    const tag = suite.scripted({});
    const jobId = await suite.submitted(replicateProvider(suite.fake), tag);
    const create = suite.fake.requests.find(
      (r) => r.method === 'POST' && JSON.stringify(r.body ?? null).includes(tag),
    );
    expect(create?.path).toBe('/v1/models/google/veo-3.1/predictions');
    expect(create?.headers.authorization).toBe(`Bearer ${REPLICATE_TEST_TOKEN}`);
    // `Prefer: wait` would hold the connection for up to a minute per submission.
    expect(create?.headers.prefer).toBeUndefined();
    expect(create?.body).toEqual({
      input: {
        prompt: `A lighthouse at dusk ${tag}`,
        duration: 8,
        aspect_ratio: '16:9',
        resolution: '720p',
      },
    });
    expect(jobId).toMatch(/^[0-9a-z]{26}$/);
  });

  it('a versioned model goes to POST /predictions with its version', async () => {
    const version = 'a'.repeat(64);
    const tag = suite.scripted({});
    const result = await replicateProvider(suite.fake).submit(
      suite.request(tag, { providerModel: `acme/video:${version}` }),
      never(),
    );
    expect(result.kind).toBe('submitted');
    const create = suite.fake.requests.find(
      (r) => r.method === 'POST' && JSON.stringify(r.body ?? null).includes(tag),
    );
    expect(create?.path).toBe('/v1/predictions');
    expect(create?.body).toMatchObject({ version });
  });

  it('names every invalid field in the customer message', async () => {
    const failure = await replicateProvider(suite.fake).submit(
      suite.request(suite.scripted({}), { parameters: { seconds: 30, size: '1920x1440' } }),
      never(),
    );
    expect(failure).toMatchObject({ kind: 'failed', failure: { code: 'invalid_input' } });
    if (failure.kind !== 'failed') return;
    expect(failure.failure.message).toContain('input.aspect_ratio: aspect_ratio must be one of');
    expect(failure.failure.message).toContain('input.duration');
  });

  it('reads progress from the tqdm lines in the logs', async () => {
    const provider = replicateProvider(suite.fake);
    const jobId = await suite.submitted(provider, suite.scripted({ runMs: 2_000 }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const status = await provider.poll(jobId, never());
    expect(status.state).toBe('running');
    if (status.state !== 'running') return;
    expect(status.progress).toBeGreaterThan(0.1);
    expect(status.progress).toBeLessThan(0.9);
  });

  it('E005 moderation is content_policy; other failures are provider_error', async () => {
    const provider = replicateProvider(suite.fake);
    const refused = await pollUntilDone(
      provider,
      await suite.submitted(provider, suite.scripted({ outcome: 'content_policy' })),
    );
    expect(refused.last).toMatchObject({ state: 'failed', failure: { code: 'content_policy' } });
    if (refused.last.state === 'failed') expect(refused.last.failure.raw).toContain('(E005)');
    const failed = await pollUntilDone(
      provider,
      await suite.submitted(provider, suite.scripted({ outcome: 'error' })),
    );
    expect(failed.last).toMatchObject({ state: 'failed', failure: { code: 'provider_error' } });
  });

  it('an output deleted after its hour (data_removed) is lost; a fresh one says when it expires', async () => {
    const provider = replicateProvider(suite.fake);
    const removed = await pollUntilDone(
      provider,
      await suite.submitted(provider, suite.scripted({ outcome: 'expired' })),
    );
    expect(removed.last).toMatchObject({ state: 'failed', failure: { code: 'lost' } });

    const fresh = await pollUntilDone(
      provider,
      await suite.submitted(provider, suite.scripted({})),
    );
    expect(fresh.last).toMatchObject({
      state: 'succeeded',
      usage: { metered: { predict_seconds: 12.5 } },
    });
    if (fresh.last.state !== 'succeeded' || fresh.last.output.kind !== 'url') return;
    const left = (fresh.last.output.expiresAt?.getTime() ?? 0) - Date.now();
    expect(left).toBeGreaterThan(59 * 60 * 1000);
    expect(left).toBeLessThanOrEqual(60 * 60 * 1000);
  });

  it('402 insufficient credit is provider_unavailable with Replicate’s reason kept for support', async () => {
    suite.fake.account.outOfCredits = true;
    try {
      const result = await replicateProvider(suite.fake).submit(
        suite.request(suite.scripted({})),
        never(),
      );
      expect(result).toMatchObject({ kind: 'failed', failure: { code: 'provider_unavailable' } });
      if (result.kind === 'failed') expect(result.failure.raw).toContain('Insufficient credit');
    } finally {
      suite.fake.account.outOfCredits = false;
    }
  });

  it('the fake honours Prefer: wait the way the official client needs (terminal or starting)', async () => {
    const { fake } = suite;
    const tag = suite.scripted({ runMs: 100 });
    const answer = await fetch(`${fake.apiBase}/models/google/veo-3.1/predictions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${REPLICATE_TEST_TOKEN}`,
        'content-type': 'application/json',
        prefer: 'wait=1',
      },
      body: JSON.stringify({ input: { prompt: `held ${tag}` } }),
    });
    expect(answer.status).toBe(201);
    expect(((await answer.json()) as { status: string }).status).toBe('succeeded');
    const slow = suite.scripted({ runMs: 5_000 });
    const held = await fetch(`${fake.apiBase}/models/google/veo-3.1/predictions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${REPLICATE_TEST_TOKEN}`,
        'content-type': 'application/json',
        prefer: 'wait=1',
      },
      body: JSON.stringify({ input: { prompt: `held ${slow}` } }),
    });
    expect(((await held.json()) as { status: string }).status).toBe('starting');
  });
});
