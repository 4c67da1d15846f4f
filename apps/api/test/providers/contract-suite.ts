import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type JobStatus,
  ProviderError,
  type ProviderFailure,
  type ResumableVideoProvider,
  type VideoRequest,
} from '../../src/providers/types';
import type { FakeProviderCore, JobScript } from '../support/fake-providers/core';

/** What the shared contract tests need to know about one adapter and its fake. */
export interface ContractSuite<F extends FakeProviderCore> {
  name: string;
  start(): Promise<F>;
  /** The adapter pointed at the fake (polling fast, short request timeout). */
  provider(
    fake: F,
    overrides?: { key?: string; requestTimeoutMs?: number },
  ): ResumableVideoProvider;
  /** The configured key: no failure may ever contain it. */
  secret: string;
  /** A request the fake's model accepts. */
  request: Omit<VideoRequest, 'prompt' | 'taskId'>;
  /**
   * A request the provider refuses as invalid, and when it says so: at submit (a 4xx) or while
   * polling (fal: a finished request whose result is a 422).
   */
  invalid: { request: Partial<VideoRequest>; at: 'submit' | 'poll' };
  /** What polling a job canceled while running shows (Runway deletes it: then `lost`). */
  afterCancel: JobStatus['state'];
}

export const never = () => new AbortController().signal;
export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until the job ends (or `limit` polls), returning every state seen. */
export async function pollUntilDone(provider: ResumableVideoProvider, jobId: string, limit = 200) {
  const seen: JobStatus[] = [];
  for (let i = 0; i < limit; i++) {
    const status = await provider.poll(jobId, never());
    seen.push(status);
    if (status.state !== 'queued' && status.state !== 'running' && status.state !== 'poll_error') {
      return { last: status, seen };
    }
    await pause(10);
  }
  return { last: seen[seen.length - 1] as JobStatus, seen };
}

/** Reads a stream to its end, counting chunks (more than one proves it was not one buffer). */
export async function drain(stream: ReadableStream<Uint8Array>) {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return { bytes: Buffer.concat(chunks), chunks: chunks.length };
}

/**
 * The contract every adapter keeps, run against its fake over real HTTP: success with a streamed
 * download, each failure class, a job that never finishes, cancel, and exactly one submission per
 * `submit` whatever the provider answers.
 */
export function contractSuite<F extends FakeProviderCore>(suite: ContractSuite<F>) {
  let fake: F;
  let counter = 0;
  /** Every failure an adapter produced in this suite, checked for the key at the end. */
  const failures: ProviderFailure[] = [];

  beforeAll(async () => {
    fake = await suite.start();
  });
  afterAll(() => fake?.close());

  /** A prompt unique to the test, scripted with `script`. */
  function scripted(script: JobScript) {
    const tag = `[${suite.name}-case-${++counter}]`;
    fake.script(tag, script);
    return tag;
  }
  function request(tag: string, overrides: Partial<VideoRequest> = {}): VideoRequest {
    return {
      ...suite.request,
      taskId: `0b7e2c1a-0000-4000-8000-${String(counter).padStart(12, '0')}`,
      prompt: `A lighthouse at dusk ${tag}`,
      ...overrides,
    };
  }
  async function submitted(provider: ResumableVideoProvider, tag: string) {
    const result = await provider.submit(request(tag), never());
    if (result.kind !== 'submitted') throw new Error(`submit failed: ${JSON.stringify(result)}`);
    return result.jobId;
  }
  async function submitFailure(provider: ResumableVideoProvider, req: VideoRequest) {
    const result = await provider.submit(req, never());
    expect(result.kind).toBe('failed');
    if (result.kind !== 'failed') throw new Error('expected a failed submit');
    failures.push(result.failure);
    return result.failure;
  }
  function keep(status: JobStatus) {
    if (status.state === 'failed' || status.state === 'poll_error') failures.push(status.failure);
    return status;
  }

  describe(`${suite.name}: the resumable contract against its fake`, () => {
    it('submits once, polls to success and streams the video bytes', async () => {
      const tag = scripted({ runMs: 60, videoBytes: 200 * 1024 });
      const provider = suite.provider(fake);
      const jobId = await submitted(provider, tag);
      const { last } = await pollUntilDone(provider, jobId);
      expect(last.state).toBe('succeeded');
      if (last.state !== 'succeeded') return;
      expect(fake.submissions(tag)).toBe(1);

      const fetched = await provider.fetchOutput(last.output, never());
      expect(fetched.kind).toBe('fetched');
      if (fetched.kind !== 'fetched') return;
      expect(fetched.contentType).toBe('video/mp4');
      const { bytes, chunks } = await drain(fetched.stream);
      const job = [...fake.jobs.values()].find((j) => j.prompt.includes(tag));
      expect(bytes.equals(job?.video ?? Buffer.alloc(0))).toBe(true);
      expect(chunks).toBeGreaterThan(1);
      if (fetched.contentLength !== undefined) expect(fetched.contentLength).toBe(bytes.length);
    });

    it('reports queued, then running, then the result', async () => {
      const tag = scripted({ queueMs: 400, runMs: 400 });
      const provider = suite.provider(fake);
      const { last, seen } = await pollUntilDone(provider, await submitted(provider, tag));
      const states = seen.map((s) => s.state);
      expect(states[0]).toBe('queued');
      expect(states).toContain('running');
      expect(states.indexOf('running')).toBeGreaterThan(states.lastIndexOf('queued'));
      expect(last.state).toBe('succeeded');
    });

    it('a content refusal is a failed job with content_policy', async () => {
      const provider = suite.provider(fake);
      const tag = scripted({ outcome: 'content_policy' });
      const { last } = await pollUntilDone(provider, await submitted(provider, tag));
      expect(last.state).toBe('failed');
      if (last.state !== 'failed') return;
      keep(last);
      expect(last.failure.code).toBe('content_policy');
      expect(last.failure.raw).toContain(suite.name);
    });

    it('input the provider refuses is invalid_input', async () => {
      const provider = suite.provider(fake);
      const tag = scripted({});
      const req = request(tag, suite.invalid.request);
      if (suite.invalid.at === 'submit') {
        const failure = await submitFailure(provider, req);
        expect(failure.code).toBe('invalid_input');
        expect(failure.message).toMatch(/invalid/i);
      } else {
        const result = await provider.submit(req, never());
        if (result.kind !== 'submitted') throw new Error('expected the submit to be accepted');
        const { last } = await pollUntilDone(provider, result.jobId);
        expect(last.state).toBe('failed');
        if (last.state === 'failed') expect(keep(last) && last.failure.code).toBe('invalid_input');
      }
    });

    it('429 on submit is rate_limited with the provider’s wait, sent once', async () => {
      const tag = scripted({ submit: [{ rateLimited: 7 }] });
      const failure = await submitFailure(suite.provider(fake), request(tag));
      expect(failure.code).toBe('rate_limited');
      expect(failure.retryAfterMs).toBe(7_000);
      expect(fake.submissions(tag)).toBe(1);
    });

    it('a 5xx on submit is provider_error and is never retried (exactly one submission)', async () => {
      const tag = scripted({ submit: [{ serverError: 503 }, { serverError: 502 }] });
      const failure = await submitFailure(suite.provider(fake), request(tag));
      expect(failure.code).toBe('provider_error');
      expect(failure.raw).toMatch(/503/);
      // An SDK retry would arrive within its first backoff (≈0.5–1 s).
      await pause(1_200);
      expect(fake.submissions(tag)).toBe(1);
    });

    it('a connection reset on submit is network_error, sent once', async () => {
      const tag = scripted({ submit: ['reset', 'reset'] });
      const failure = await submitFailure(suite.provider(fake), request(tag));
      expect(failure.code).toBe('network_error');
      await pause(1_200);
      expect(fake.submissions(tag)).toBe(1);
    });

    it('a submit with no answer in time is timeout, sent once', async () => {
      const tag = scripted({ submit: ['hang'] });
      const failure = await submitFailure(
        suite.provider(fake, { requestTimeoutMs: 300 }),
        request(tag),
      );
      expect(failure.code).toBe('timeout');
      expect(fake.submissions(tag)).toBe(1);
    });

    it('failed status requests are poll_error (the job is kept), then polling recovers', async () => {
      const tag = scripted({ poll: [{ rateLimited: 3 }, { serverError: 503 }, 'reset'] });
      const provider = suite.provider(fake);
      const jobId = await submitted(provider, tag);
      const first = keep(await provider.poll(jobId, never()));
      const second = keep(await provider.poll(jobId, never()));
      const third = keep(await provider.poll(jobId, never()));
      expect(first).toMatchObject({
        state: 'poll_error',
        failure: { code: 'rate_limited', retryAfterMs: 3_000 },
      });
      expect(second).toMatchObject({ state: 'poll_error', failure: { code: 'provider_error' } });
      expect(third).toMatchObject({ state: 'poll_error', failure: { code: 'network_error' } });
      const { last } = await pollUntilDone(provider, jobId);
      expect(last.state).toBe('succeeded');
      expect(fake.submissions(tag)).toBe(1);
    });

    it('a refused key is provider_unavailable on submit and on poll', async () => {
      const tag = scripted({ runMs: 10_000 });
      const jobId = await submitted(suite.provider(fake), tag);
      const wrong = suite.provider(fake, { key: `${suite.secret.slice(0, 6)}-wrong:key-SECRET-x` });
      const failure = await submitFailure(wrong, request(tag));
      expect(failure.code).toBe('provider_unavailable');
      const polled = keep(await wrong.poll(jobId, never()));
      expect(polled).toMatchObject({
        state: 'poll_error',
        failure: { code: 'provider_unavailable' },
      });
    });

    it('a key the provider stops accepting (revoked) is provider_unavailable everywhere', async () => {
      const provider = suite.provider(fake);
      const jobId = await submitted(provider, scripted({ runMs: 10_000 }));
      fake.account.keyRefused = true;
      try {
        expect((await submitFailure(provider, request(scripted({})))).code).toBe(
          'provider_unavailable',
        );
        expect(keep(await provider.poll(jobId, never()))).toMatchObject({
          state: 'poll_error',
          failure: { code: 'provider_unavailable' },
        });
      } finally {
        fake.account.keyRefused = false;
      }
      expect((await provider.poll(jobId, never())).state).toBe('running');
    });

    it('out of credits at the provider is provider_unavailable', async () => {
      fake.account.outOfCredits = true;
      try {
        const failure = await submitFailure(suite.provider(fake), request(scripted({})));
        expect(failure.code).toBe('provider_unavailable');
        // The customer's message says nothing about our account at the provider.
        expect(failure.message).not.toMatch(/credit|balance|billing|quota/i);
      } finally {
        fake.account.outOfCredits = false;
      }
    });

    it('a provider-wide outage (503 on everything) is transient, never a job failure', async () => {
      const tag = scripted({ runMs: 10_000 });
      const provider = suite.provider(fake);
      const jobId = await submitted(provider, tag);
      fake.account.outage = { serverError: 503 };
      try {
        expect((await submitFailure(provider, request(tag))).code).toBe('provider_error');
        expect(keep(await provider.poll(jobId, never())).state).toBe('poll_error');
      } finally {
        fake.account.outage = null;
      }
    });

    it('a job the provider does not know is lost', async () => {
      const provider = suite.provider(fake);
      const jobId = await submitted(provider, scripted({}));
      const status = keep(await provider.poll(`${jobId}0`, never()));
      expect(status).toMatchObject({ state: 'failed', failure: { code: 'lost' } });
    });

    it('a job that never finishes keeps reporting queued or running; nothing is invented', async () => {
      const tag = scripted({ queueMs: 250, runMs: Number.POSITIVE_INFINITY });
      const provider = suite.provider(fake);
      const jobId = await submitted(provider, tag);
      const states: string[] = [];
      const until = Date.now() + 600;
      while (Date.now() < until) {
        states.push((await provider.poll(jobId, never())).state);
        await pause(30);
      }
      expect(new Set(states)).toEqual(new Set(['queued', 'running']));
    });

    it('cancel stops a running job; a finished one is not cancellable and keeps its video', async () => {
      const provider = suite.provider(fake);
      const running = await submitted(provider, scripted({ runMs: 10_000 }));
      expect(await provider.cancel(running, never())).toBe('canceled');
      expect((await provider.poll(running, never())).state).toBe(suite.afterCancel);

      const finished = await submitted(provider, scripted({}));
      expect((await pollUntilDone(provider, finished)).last.state).toBe('succeeded');
      expect(await provider.cancel(finished, never())).toBe('not_cancellable');
      expect((await provider.poll(finished, never())).state).toBe('succeeded');
    });

    it('aborting rejects with the caller’s reason at once', async () => {
      const tag = scripted({ latencyMs: 2_000 });
      const provider = suite.provider(fake);
      const controller = new AbortController();
      const pending = provider.submit(request(tag), controller.signal).catch((e: unknown) => e);
      await pause(100);
      const reason = new DOMException('shutting down', 'AbortError');
      controller.abort(reason);
      expect(await pending).toBe(reason);
    });

    it('generate() runs submit and poll end to end for today’s executor', async () => {
      const provider = suite.provider(fake);
      const ok = await provider.generate(request(scripted({ runMs: 30 })), never());
      expect(ok.providerJobId).toBeTruthy();
      expect(ok.videoUrl).toMatch(/^https?:\/\//);

      const refused = await provider
        .generate(request(scripted({ outcome: 'content_policy' })), never())
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ProviderError);
      expect(refused).toMatchObject({ code: 'content_policy', transient: false });
    });

    it('never puts the key in a failure message or raw reason', () => {
      expect(failures.length).toBeGreaterThan(10);
      for (const failure of failures) {
        expect(failure.message).not.toContain(suite.secret);
        expect(failure.raw).not.toContain(suite.secret);
      }
    });
  });

  return {
    get fake() {
      return fake;
    },
    scripted,
    request,
    submitted,
  };
}
