import { describe, expect, it } from 'vitest';
import { createRunwayProvider } from '../../src/providers/runway';
import {
  type FakeRunway,
  RUNWAY_TEST_SECRET,
  RUNWAY_VERSION,
  startFakeRunway,
} from '../support/fake-providers/runway';
import { contractSuite, never, pollUntilDone } from './contract-suite';

function runwayProvider(
  fake: FakeRunway,
  overrides: { key?: string; requestTimeoutMs?: number; apiVersion?: string } = {},
) {
  return createRunwayProvider({
    apiSecret: overrides.key ?? RUNWAY_TEST_SECRET,
    baseUrl: fake.baseUrl,
    apiVersion: overrides.apiVersion ?? RUNWAY_VERSION,
    taskTimeoutMs: 5_000,
    pollIntervalMs: 10,
    requestTimeoutMs: overrides.requestTimeoutMs ?? 2_000,
  });
}

const suite = contractSuite<FakeRunway>({
  name: 'runway',
  start: () => startFakeRunway(),
  provider: runwayProvider,
  secret: RUNWAY_TEST_SECRET,
  request: { providerModel: 'gen4.5', parameters: { seconds: 5, size: '1280x720' }, attempt: 1 },
  // gen4.5 takes 2–10 s: Runway answers 400 with the issues.
  invalid: { request: { parameters: { seconds: 12, size: '1280x720' } }, at: 'submit' },
  // A canceled task is deleted: Runway answers 404 for it from then on.
  afterCancel: 'failed',
});

describe('runway specifics', () => {
  it('sends the key, the version header and the model’s body; estimates and charges credits', async () => {
    const tag = suite.scripted({});
    const provider = runwayProvider(suite.fake);
    const submitted = await provider.submit(suite.request(tag), never());
    expect(submitted).toMatchObject({
      kind: 'submitted',
      estimatedUsage: { cost: { amount: 60, currency: 'runway_credits' } },
    });
    const create = suite.fake.requests.find(
      (r) => r.method === 'POST' && JSON.stringify(r.body ?? null).includes(tag),
    );
    expect(create?.path).toBe('/v1/text_to_video');
    expect(create?.headers.authorization).toBe(`Bearer ${RUNWAY_TEST_SECRET}`);
    expect(create?.headers['x-runway-version']).toBe(RUNWAY_VERSION);
    expect(create?.body).toEqual({
      model: 'gen4.5',
      promptText: `A lighthouse at dusk ${tag}`,
      ratio: '1280:720',
      duration: 5,
    });
    if (submitted.kind !== 'submitted') return;
    const { last } = await pollUntilDone(provider, submitted.jobId);
    expect(last).toMatchObject({
      state: 'succeeded',
      usage: { cost: { amount: 60, currency: 'runway_credits' } },
    });
  });

  it('a version Runway does not accept is refused (invalid_input), not retried', async () => {
    const tag = suite.scripted({});
    const result = await runwayProvider(suite.fake, { apiVersion: '2023-01-01' }).submit(
      suite.request(tag),
      never(),
    );
    expect(result).toMatchObject({ kind: 'failed', failure: { code: 'invalid_input' } });
    expect(suite.fake.submissions(tag)).toBe(0);
  });

  it('SAFETY.* failures are content_policy; INTERNAL.BAD_OUTPUT.* is provider_error retried once', async () => {
    const provider = runwayProvider(suite.fake);
    const refused = await pollUntilDone(
      provider,
      await suite.submitted(provider, suite.scripted({ outcome: 'content_policy' })),
    );
    expect(refused.last).toMatchObject({
      state: 'failed',
      failure: { code: 'content_policy' },
      usage: { cost: { amount: 0 } },
    });
    if (refused.last.state === 'failed') {
      expect(refused.last.failure.raw).toContain('SAFETY.INPUT.TEXT');
      expect(refused.last.failure.retryLimit).toBeUndefined();
    }
    const bad = await pollUntilDone(
      provider,
      await suite.submitted(provider, suite.scripted({ outcome: 'bad_output' })),
    );
    expect(bad.last).toMatchObject({
      state: 'failed',
      failure: { code: 'provider_error', retryLimit: 1 },
    });
  });

  it('PENDING and THROTTLED are both queued; RUNNING carries progress', async () => {
    const provider = runwayProvider(suite.fake);
    const jobId = await suite.submitted(provider, suite.scripted({ queueMs: 1_000, runMs: 5_000 }));
    const first = await provider.poll(jobId, never());
    const second = await provider.poll(jobId, never());
    expect([first.state, second.state]).toEqual(['queued', 'queued']);
    const task = suite.fake.jobs.get(jobId);
    expect(task?.polls).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const running = await provider.poll(jobId, never());
    expect(running).toMatchObject({ state: 'running', progress: expect.any(Number) });
  });

  it('cancel never deletes a finished task (DELETE would erase its video)', async () => {
    const provider = runwayProvider(suite.fake);
    const jobId = await suite.submitted(provider, suite.scripted({}));
    await pollUntilDone(provider, jobId);
    expect(await provider.cancel(jobId, never())).toBe('not_cancellable');
    const deletes = suite.fake.requests.filter(
      (r) => r.method === 'DELETE' && r.path.endsWith(jobId),
    );
    expect(deletes).toHaveLength(0);
    expect(suite.fake.jobs.get(jobId)?.deleted).toBeUndefined();
  });

  it('out of credits (a 400 at Runway) is provider_unavailable, not invalid_input', async () => {
    suite.fake.account.outOfCredits = true;
    try {
      const result = await runwayProvider(suite.fake).submit(
        suite.request(suite.scripted({})),
        never(),
      );
      expect(result).toMatchObject({ kind: 'failed', failure: { code: 'provider_unavailable' } });
    } finally {
      suite.fake.account.outOfCredits = false;
    }
  });
});
