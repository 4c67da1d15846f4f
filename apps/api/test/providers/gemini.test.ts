import { describe, expect, it } from 'vitest';
import { createGeminiProvider } from '../../src/providers/gemini';
import {
  type FakeGemini,
  GEMINI_TEST_KEY,
  startFakeGemini,
} from '../support/fake-providers/gemini';
import { contractSuite, drain, never, pollUntilDone } from './contract-suite';

function geminiProvider(
  fake: FakeGemini,
  overrides: { key?: string; requestTimeoutMs?: number; delivery?: 'uri' | 'inline' } = {},
) {
  return createGeminiProvider({
    apiKey: overrides.key ?? GEMINI_TEST_KEY,
    baseUrl: fake.baseUrl,
    apiVersion: 'v1beta',
    delivery: overrides.delivery ?? 'uri',
    taskTimeoutMs: 5_000,
    pollIntervalMs: 10,
    requestTimeoutMs: overrides.requestTimeoutMs ?? 2_000,
  });
}

const suite = contractSuite<FakeGemini>({
  name: 'gemini',
  start: () => startFakeGemini(),
  provider: geminiProvider,
  secret: GEMINI_TEST_KEY,
  request: {
    providerModel: 'gemini-omni-1.2-flash',
    parameters: { seconds: 8, size: '1280x720' },
    attempt: 2,
  },
  // Omni takes 3–10 s: Google answers 400 INVALID_ARGUMENT.
  invalid: { request: { parameters: { seconds: 12, size: '1280x720' } }, at: 'submit' },
  afterCancel: 'canceled',
});

describe('gemini specifics', () => {
  it('creates a background interaction with the video format, the key header and our labels', async () => {
    const tag = suite.scripted({});
    const request = suite.request(tag);
    await geminiProvider(suite.fake).submit(request, never());
    const create = suite.fake.requests.find(
      (r) => r.method === 'POST' && JSON.stringify(r.body ?? null).includes(tag),
    );
    expect(create?.path).toBe('/v1beta/interactions');
    expect(create?.headers['x-goog-api-key']).toBe(GEMINI_TEST_KEY);
    expect(create?.headers.authorization).toBeUndefined();
    expect(create?.body).toEqual({
      model: 'gemini-omni-1.2-flash',
      input: `A lighthouse at dusk ${tag}`,
      background: true,
      response_format: {
        type: 'video',
        aspect_ratio: '16:9',
        duration: '8s',
        resolution: '720p',
        delivery: 'uri',
      },
      generation_config: { video_config: { task: 'text_to_video' } },
      labels: { batchreel_task: request.taskId, batchreel_attempt: '2' },
    });
  });

  it('a made-up key is a 400 API_KEY_INVALID at Google, and provider_unavailable here', async () => {
    const result = await geminiProvider(suite.fake, { key: 'AIzaMadeUp' }).submit(
      suite.request(suite.scripted({})),
      never(),
    );
    expect(result).toMatchObject({ kind: 'failed', failure: { code: 'provider_unavailable' } });
    if (result.kind === 'failed') expect(result.failure.raw).toMatch(/400.*API_KEY_INVALID/);
  });

  it("a 429's RetryInfo retryDelay is the wait; a spent quota is provider_unavailable", async () => {
    const tag = suite.scripted({ submit: [{ rateLimited: 41 }] });
    const limited = await geminiProvider(suite.fake).submit(suite.request(tag), never());
    expect(limited).toMatchObject({
      kind: 'failed',
      failure: { code: 'rate_limited', retryAfterMs: 41_000 },
    });
    suite.fake.account.outOfCredits = true;
    try {
      const spent = await geminiProvider(suite.fake).submit(
        suite.request(suite.scripted({})),
        never(),
      );
      expect(spent).toMatchObject({ kind: 'failed', failure: { code: 'provider_unavailable' } });
    } finally {
      suite.fake.account.outOfCredits = false;
    }
  });

  it('a completed interaction without a video (the safety filter) is content_policy', async () => {
    const provider = geminiProvider(suite.fake);
    const { last } = await pollUntilDone(
      provider,
      await suite.submitted(provider, suite.scripted({ outcome: 'content_policy' })),
    );
    expect(last).toMatchObject({ state: 'failed', failure: { code: 'content_policy' } });
  });

  it('uri delivery: the link is fetched with the key, its signed redirect without it', async () => {
    const provider = geminiProvider(suite.fake);
    const { last } = await pollUntilDone(
      provider,
      await suite.submitted(provider, suite.scripted({ videoBytes: 300 * 1024 })),
    );
    expect(last).toMatchObject({
      state: 'succeeded',
      output: { kind: 'url', needsProviderKey: true },
      usage: { metered: { output_tokens: 8 * 5792, video_output_tokens: 8 * 5792 } },
    });
    if (last.state !== 'succeeded') return;
    const fetched = await provider.fetchOutput(last.output, never());
    if (fetched.kind !== 'fetched') throw new Error(JSON.stringify(fetched));
    expect((await drain(fetched.stream)).bytes.length).toBe(300 * 1024);
    const file = suite.fake.requests.filter((r) => r.path.startsWith('/v1beta/files/')).at(-1);
    expect(file?.headers['x-goog-api-key']).toBe(GEMINI_TEST_KEY);
    expect(suite.fake.storageRequests.at(-1)?.['x-goog-api-key']).toBeUndefined();
  });

  it('inline delivery: base64 in the answer, decoded chunk by chunk', async () => {
    const provider = geminiProvider(suite.fake, { delivery: 'inline' });
    const tag = suite.scripted({ videoBytes: 1024 * 1024 + 7 });
    const { last } = await pollUntilDone(provider, await suite.submitted(provider, tag));
    expect(last).toMatchObject({
      state: 'succeeded',
      output: { kind: 'inline', contentType: 'video/mp4' },
    });
    if (last.state !== 'succeeded') return;
    const fetched = await provider.fetchOutput(last.output, never());
    if (fetched.kind !== 'fetched') throw new Error(JSON.stringify(fetched));
    expect(fetched.contentLength).toBe(1024 * 1024 + 7);
    const { bytes, chunks } = await drain(fetched.stream);
    const job = [...suite.fake.jobs.values()].find((j) => j.prompt.includes(tag));
    expect(bytes.equals(job?.video ?? Buffer.alloc(0))).toBe(true);
    expect(chunks).toBeGreaterThan(10);
  });

  it('failed interactions map their error codes', async () => {
    const provider = geminiProvider(suite.fake);
    for (const [outcome, code] of [
      ['error', 'provider_error'],
      ['timeout', 'timeout'],
      ['invalid_input', 'invalid_input'],
    ] as const) {
      const { last } = await pollUntilDone(
        provider,
        await suite.submitted(provider, suite.scripted({ outcome })),
      );
      expect(last, outcome).toMatchObject({ state: 'failed', failure: { code } });
    }
  });

  it('an unknown model is provider_unavailable (the catalogue is wrong, not the task)', async () => {
    const result = await geminiProvider(suite.fake).submit(
      suite.request(suite.scripted({}), { providerModel: 'veo-3.1-generate-preview' }),
      never(),
    );
    expect(result).toMatchObject({ kind: 'failed', failure: { code: 'provider_unavailable' } });
  });
});
