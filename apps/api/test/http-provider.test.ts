import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpVideosProvider, type HttpVideosOptions } from '../src/providers/http-videos';
import { ProviderError, type VideoRequest } from '../src/providers/types';
import {
  FAKE_MP4,
  type FakeScenario,
  type FakeVideosServer,
  startFakeVideosServer,
} from './support/fake-videos-server';

const KEY = 'sk-test-SECRET-4f9a2c7e1b';

let fake: FakeVideosServer;
/** Every error message and raw reason the adapter produced, checked for the key at the end. */
const messages: string[] = [];

beforeAll(async () => {
  fake = await startFakeVideosServer({ apiKey: KEY });
});
afterAll(() => fake?.close());

function provider(overrides: Partial<HttpVideosOptions> = {}) {
  return createHttpVideosProvider({
    name: 'openai',
    baseUrl: fake.baseUrl,
    apiKey: KEY,
    taskTimeoutMs: 2_000,
    pollIntervalMs: 20,
    modelMap: { 'sora-2': 'sora-2-2025-10-06' },
    ...overrides,
  });
}

let counter = 0;
/** A prompt unique to the test, scripted with `scenario`. */
function scripted(scenario: FakeScenario) {
  const tag = `[case-${++counter}]`;
  fake.script(tag, scenario);
  return tag;
}

function request(prompt: string, providerModel = 'sora-2'): VideoRequest {
  return {
    taskId: `task-${counter}`,
    prompt: `A cat playing piano ${prompt}`,
    providerModel,
    parameters: { seconds: 8, size: '1280x720' },
    attempt: 1,
  };
}

/** The create requests whose prompt carries `tag`. */
function requestsFor(tag: string) {
  return fake.requests.filter((r) => r.method === 'POST' && JSON.stringify(r.body).includes(tag));
}

/** Runs an attempt that must fail with a ProviderError, and keeps its message for the key check. */
async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the attempt to fail');
    },
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(ProviderError);
  const providerError = error as ProviderError;
  messages.push(providerError.message, providerError.raw ?? '');
  return providerError;
}

const never = () => new AbortController().signal;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('HTTP videos provider', () => {
  it('creates, polls until completed and returns the content URL and job id', async () => {
    const tag = scripted({ pollsUntilDone: 3 });
    const result = await provider().generate(request(tag), never());

    const [create] = requestsFor(tag);
    expect(create?.path).toBe('/videos');
    expect(create?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(create?.body).toEqual({
      model: 'sora-2-2025-10-06',
      prompt: `A cat playing piano ${tag}`,
      seconds: '8',
      size: '1280x720',
    });
    const id = result.providerJobId ?? '';
    expect(id).toMatch(/^video_/);
    expect(result.videoUrl).toBe(`${fake.baseUrl}/videos/${id}/content`);
    const polls = fake.requests.filter((r) => r.method === 'GET' && r.path === `/videos/${id}`);
    expect(polls).toHaveLength(3);
    for (const poll of polls) expect(poll.headers.authorization).toBe(`Bearer ${KEY}`);

    // The URL serves the video to whoever holds the provider key (see the adapter's TSDoc).
    const content = await fetch(result.videoUrl ?? '', {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(content.status).toBe(200);
    expect(content.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await content.arrayBuffer())).toEqual(FAKE_MP4);
  });

  it('passes unmapped model names through unchanged', async () => {
    const tag = scripted({ pollsUntilDone: 1 });
    await provider({ modelMap: undefined }).generate(request(tag, 'veo-3'), never());
    expect(requestsFor(tag)[0]?.body).toMatchObject({ model: 'veo-3' });
  });

  it('uses the injected fetch for every request', async () => {
    const tag = scripted({ pollsUntilDone: 2 });
    const urls: string[] = [];
    const spy: typeof fetch = (input, init) => {
      urls.push(String(input));
      return fetch(input, init);
    };
    await provider({ fetch: spy, baseUrl: `${fake.baseUrl}/` }).generate(request(tag), never());
    expect(urls).toHaveLength(3);
    expect(urls[0]).toBe(`${fake.baseUrl}/videos`);
  });

  it('5xx on create is a transient provider_error; the truncated body is kept for support', async () => {
    const tag = scripted({
      create: [{ status: 502, body: `<html>${'Bad gateway '.repeat(500)}` }],
    });
    const error = await failure(provider().generate(request(tag), never()));
    expect(error.code).toBe('provider_error');
    expect(error.transient).toBe(true);
    expect(error.raw).toContain('502');
    expect(error.raw?.length).toBeLessThan(700);
    // The customer reads a sentence, not the provider's HTML.
    expect(error.message).toBe('The video provider failed to generate this video.');
  });

  it('429 on create is rate_limited with Retry-After in seconds', async () => {
    const tag = scripted({ create: [{ status: 429, headers: { 'retry-after': '7' } }] });
    const error = await failure(provider().generate(request(tag), never()));
    expect(error.code).toBe('rate_limited');
    expect(error.transient).toBe(true);
    expect(error.retryAfterMs).toBe(7_000);
  });

  it('429 on create is rate_limited with Retry-After as an HTTP-date', async () => {
    const date = new Date(Date.now() + 5_000).toUTCString();
    const tag = scripted({ create: [{ status: 429, headers: { 'retry-after': date } }] });
    const error = await failure(provider().generate(request(tag), never()));
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterMs).toBeGreaterThan(3_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(5_000);
  });

  it('429 while polling pauses polling for Retry-After and then completes', async () => {
    const tag = scripted({
      pollsUntilDone: 1,
      poll: [{ status: 429, headers: { 'retry-after-ms': '150' } }],
    });
    const result = await provider().generate(request(tag), never());
    const id = result.providerJobId ?? '';
    const polls = fake.requests.filter((r) => r.method === 'GET' && r.path === `/videos/${id}`);
    expect(polls).toHaveLength(2);
    expect((polls[1]?.at ?? 0) - (polls[0]?.at ?? 0)).toBeGreaterThanOrEqual(140);
  });

  it('429 while polling never waits past the attempt deadline', async () => {
    const tag = scripted({ poll: [{ status: 429, headers: { 'retry-after': '60' } }] });
    const started = performance.now();
    const error = await provider({ taskTimeoutMs: 250 })
      .generate(request(tag), never())
      .catch((e: unknown) => e);
    // The attempt ends as a timeout (the executor's `timeout`), not after 60 s.
    expect((error as Error).name).toBe('TimeoutError');
    expect(performance.now() - started).toBeLessThan(600);
  });

  it('a job failed by moderation is a permanent content_policy error', async () => {
    const tag = scripted({
      pollsUntilDone: 2,
      failure: { code: 'moderation_blocked', message: 'Your request was blocked by moderation.' },
    });
    const error = await failure(provider().generate(request(tag), never()));
    expect(error.code).toBe('content_policy');
    expect(error.transient).toBe(false);
    expect(error.raw).toContain('blocked by moderation');
  });

  it('a job failed for another reason is a transient provider_error', async () => {
    const tag = scripted({
      failure: { code: 'video_generation_failed', message: 'Generation failed.' },
    });
    const error = await failure(provider().generate(request(tag), never()));
    expect(error.code).toBe('provider_error');
    expect(error.transient).toBe(true);
    expect(error.raw).toContain('video_generation_failed');
  });

  it('aborting stops a never-completing job promptly and makes no further requests', async () => {
    const tag = scripted({ pollsUntilDone: Number.POSITIVE_INFINITY });
    const controller = new AbortController();
    const attempt = provider({ taskTimeoutMs: 10_000 })
      .generate(request(tag), controller.signal)
      .catch((e: unknown) => e);
    await sleep(150);
    const polled = fake.requests.filter((r) => r.method === 'GET').length;
    expect(requestsFor(tag)).toHaveLength(1);

    const reason = new DOMException('The operation timed out.', 'TimeoutError');
    const abortedAt = performance.now();
    controller.abort(reason);
    const error = await attempt;
    expect(performance.now() - abortedAt).toBeLessThan(100);
    // Rethrown unchanged, so the executor records it as `timeout`.
    expect(error).toBe(reason);

    // A status request already on the wire when the abort came may still land at the fake (it
    // records a request once it has read it); nothing may start after that.
    await sleep(50);
    const seen = fake.requests.length;
    await sleep(100);
    expect(fake.requests.length).toBe(seen);
    expect(polled).toBeGreaterThanOrEqual(2);
  });

  it('stops at its own taskTimeoutMs when the caller never aborts', async () => {
    const tag = scripted({ pollsUntilDone: Number.POSITIVE_INFINITY });
    const started = performance.now();
    const error = await provider({ taskTimeoutMs: 150 })
      .generate(request(tag), never())
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
    expect(performance.now() - started).toBeLessThan(400);
  });

  it('aborting cuts a slow in-flight request short', async () => {
    const tag = scripted({ delayMs: 2_000 });
    const controller = new AbortController();
    const attempt = provider()
      .generate(request(tag), controller.signal)
      .catch((e: unknown) => e);
    await sleep(100);
    expect(requestsFor(tag)).toHaveLength(1);
    const abortedAt = performance.now();
    controller.abort();
    const error = await attempt;
    expect(performance.now() - abortedAt).toBeLessThan(100);
    expect(error).toBe(controller.signal.reason);
    expect((error as Error).name).toBe('AbortError');
  });

  it('a slow provider within the deadline still succeeds', async () => {
    const tag = scripted({ delayMs: 60, pollsUntilDone: 1 });
    const result = await provider().generate(request(tag), never());
    expect(result.providerJobId).toMatch(/^video_/);
  });

  it('a connection destroyed mid-request is a transient network_error', async () => {
    const tag = scripted({ create: ['destroy'] });
    const error = await failure(provider().generate(request(tag), never()));
    expect(error.code).toBe('network_error');
    expect(error.transient).toBe(true);
    expect(error.raw).toContain('POST /videos');
  });

  it('a connection destroyed while polling does not abandon the job: polling goes on', async () => {
    const tag = scripted({ poll: ['destroy'], pollsUntilDone: 1 });
    const result = await provider().generate(request(tag), never());
    const id = result.providerJobId ?? '';
    const polls = fake.requests.filter((r) => r.method === 'GET' && r.path === `/videos/${id}`);
    // One broken status request, one that saw the job completed; still one job.
    expect(polls).toHaveLength(2);
    expect(requestsFor(tag)).toHaveLength(1);
  });

  it('a refused connection is a transient network_error', async () => {
    const port = await closedPort();
    const error = await failure(
      provider({ baseUrl: `http://127.0.0.1:${port}/v1` }).generate(request('x'), never()),
    );
    expect(error.code).toBe('network_error');
    expect(error.transient).toBe(true);
    expect(error.raw).toContain('ECONNREFUSED');
  });

  it('401 is provider_unavailable (the account, not the task), the echoed key redacted', async () => {
    const wrongKey = 'sk-wrong-key-do-not-leak-99';
    const error = await failure(
      provider({ apiKey: wrongKey }).generate(request('[case-401]'), never()),
    );
    expect(error.code).toBe('provider_unavailable');
    // Not permanent: today's executor retries it (it cannot pause a model yet), never refunds
    // it as the task's own fault at the first attempt.
    expect(error.transient).toBe(true);
    expect(error.raw).toContain('401');
    expect(error.message).not.toContain('401');
    // The fake echoes the presented key, as OpenAI does; the adapter must not repeat it.
    expect(error.raw).not.toContain(wrongKey);
    expect(error.message).not.toContain(wrongKey);
    expect(error.raw).toContain('[redacted]');
  });

  it('403 is provider_unavailable', async () => {
    const tag = scripted({ create: [{ status: 403, body: { error: { message: 'Forbidden' } } }] });
    const error = await failure(provider().generate(request(tag), never()));
    expect(error.code).toBe('provider_unavailable');
    expect(error.transient).toBe(true);
  });

  it('400 and 422 are permanent invalid_input', async () => {
    for (const status of [400, 422]) {
      const tag = scripted({
        create: [{ status, body: { error: { code: 'invalid_value', message: 'Bad size.' } } }],
      });
      const error = await failure(provider().generate(request(tag), never()));
      expect(error.code).toBe('invalid_input');
      expect(error.transient).toBe(false);
      expect(error.message).toContain('Bad size.');
    }
  });

  it('400 with a moderation code is a permanent content_policy error', async () => {
    const tag = scripted({
      create: [
        { status: 400, body: { error: { code: 'moderation_blocked', message: 'Blocked.' } } },
      ],
    });
    const error = await failure(provider().generate(request(tag), never()));
    expect(error.code).toBe('content_policy');
    expect(error.transient).toBe(false);
  });

  it('404 while polling is lost (the job is gone: a new attempt resubmits)', async () => {
    const tag = scripted({
      poll: [{ status: 404, body: { error: { code: 'not_found', message: 'No such video.' } } }],
    });
    const error = await failure(provider().generate(request(tag), never()));
    expect(error.code).toBe('lost');
    expect(error.transient).toBe(true);
  });

  it('404 on create (wrong base URL, retired API) is provider_unavailable', async () => {
    const error = await failure(
      provider({ baseUrl: `${fake.baseUrl}/nope` }).generate(request('x'), never()),
    );
    expect(error.code).toBe('provider_unavailable');
    expect(error.raw).toContain('check the base URL');
  });

  it('never puts the API key in an error message', async () => {
    // Same 401 echo, with the configured key itself being the rejected one.
    const other = await startFakeVideosServer({ apiKey: 'sk-other' });
    try {
      const error = await failure(
        provider({ baseUrl: other.baseUrl }).generate(request('x'), never()),
      );
      expect(error.message).not.toContain(KEY);
    } finally {
      await other.close();
    }
    expect(messages.length).toBeGreaterThan(10);
    for (const message of messages) expect(message).not.toContain(KEY);
  });
});

describe('HTTP videos provider on the resumable contract', () => {
  it('submit, poll, fetchOutput with the key; cancel is not offered by the protocol', async () => {
    const tag = scripted({ pollsUntilDone: 2 });
    const adapter = provider();
    const submitted = await adapter.submit(request(tag), never());
    if (submitted.kind !== 'submitted') throw new Error(JSON.stringify(submitted));
    expect(await adapter.poll(submitted.jobId, never())).toMatchObject({ state: 'running' });
    const done = await adapter.poll(submitted.jobId, never());
    expect(done).toMatchObject({
      state: 'succeeded',
      output: { kind: 'url', needsProviderKey: true, contentType: 'video/mp4' },
    });
    if (done.state !== 'succeeded') return;
    const fetched = await adapter.fetchOutput(done.output, never());
    if (fetched.kind !== 'fetched') throw new Error(JSON.stringify(fetched));
    const bytes = Buffer.from(await new Response(fetched.stream).arrayBuffer());
    expect(bytes).toEqual(FAKE_MP4);
    const download = fake.requests.filter((r) => r.path.endsWith('/content')).at(-1);
    expect(download?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(await adapter.cancel(submitted.jobId, never())).toBe('not_cancellable');
  });

  it('a throttled status request is poll_error with the wait, and the job is kept', async () => {
    const tag = scripted({ poll: [{ status: 429, headers: { 'retry-after': '4' } }] });
    const adapter = provider();
    const submitted = await adapter.submit(request(tag), never());
    if (submitted.kind !== 'submitted') throw new Error(JSON.stringify(submitted));
    expect(await adapter.poll(submitted.jobId, never())).toMatchObject({
      state: 'poll_error',
      failure: { code: 'rate_limited', retryAfterMs: 4_000 },
    });
    expect(await adapter.poll(submitted.jobId, never())).toMatchObject({ state: 'succeeded' });
  });
});

/** A port nothing listens on: bound once, then released. */
async function closedPort() {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
