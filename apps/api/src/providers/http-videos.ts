import { failureFactory } from './failures';
import { generateViaContract, withDeadline } from './generate-via-contract';
import { fetchProviderOutput } from './output';
import type { JobStatus, ResumableVideoProvider, SubmitResult } from './types';
import { type Exchange, exchange, fields, parseJson, retryAfterMs, text, trimBase } from './wire';

/** Configuration of one provider that speaks the OpenAI-style videos API. */
export interface HttpVideosOptions {
  /** Provider name as `models.provider` refers to it, e.g. `openai`. */
  name: string;
  /** API root without the `/videos` part, e.g. `https://gateway.example.com/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`; never appears in an error message. */
  apiKey: string;
  /** How long one `generate()` attempt (submit + poll until done) may take. */
  taskTimeoutMs: number;
  /** Pause between status polls. */
  pollIntervalMs: number;
  /** How long one HTTP request may wait for its answer (default 30 s). */
  requestTimeoutMs?: number;
  /** Catalogue `providerModel` → the provider's model id; unmapped names pass through as is. */
  modelMap?: Record<string, string>;
  /** Injectable so an SSRF-safe fetch can replace the global one. */
  fetch?: typeof fetch;
}

/** Failed-job error codes that mean "refused for content": retrying cannot change the answer. */
const CONTENT_POLICY_CODE = /moderation|content_policy|safety/i;

/**
 * The adapter for OpenAI-compatible gateways: services that kept the OpenAI Videos protocol
 * after OpenAI shut its own Videos API down (2026-09-24). `POST {base}/videos` creates a job,
 * `GET {base}/videos/{id}` reports `queued` / `in_progress` / `completed` / `failed`, and
 * `GET {base}/videos/{id}/content` serves the MP4 to whoever holds the key. The protocol has no
 * cancel and no idempotency key. docs/providers.md has the failure mapping.
 */
export function createHttpVideosProvider(options: HttpVideosOptions): ResumableVideoProvider {
  const base = trimBase(options.baseUrl);
  const wire = {
    fetch: options.fetch ?? globalThis.fetch,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
  };
  const { name, apiKey } = options;
  const f = failureFactory(name, [apiKey]);
  const headers = (json: boolean) => ({
    authorization: `Bearer ${apiKey}`,
    accept: 'application/json',
    ...(json ? { 'content-type': 'application/json' } : {}),
  });

  /** The classification every non-2xx answer shares; `phase` decides what a 404 means. */
  function httpFailure(
    answer: Extract<Exchange, { kind: 'answered' }>,
    what: string,
    phase: 'submit' | 'poll',
  ) {
    const error = fields(fields(parseJson(answer.text)).error);
    const code = text(error.code) ?? text(error.type) ?? '';
    const message = text(error.message) ?? answer.text;
    const raw = `${what} answered ${answer.status}${code ? ` ${code}` : ''}: ${message}`;
    const status = answer.status;
    if (status === 429)
      return f.failure('rate_limited', raw, { retryAfterMs: retryAfterMs(answer.headers) });
    if (status >= 500 || status === 408 || status === 409 || status === 425) {
      return f.failure('provider_error', raw);
    }
    if (status === 401 || status === 403) return f.failure('provider_unavailable', raw);
    if (status === 404 && phase === 'poll') return f.failure('lost', raw);
    if (status === 400 || status === 422) {
      if (CONTENT_POLICY_CODE.test(code)) return f.failure('content_policy', raw);
      return f.failure('invalid_input', raw, {
        message: `The video provider rejected this request as invalid: ${f.detail(message)}`,
      });
    }
    // Redirects, 404 on create and anything else: a wrong base URL or a retired API.
    return f.failure('provider_unavailable', `${raw} (check the base URL)`);
  }

  function job(answer: Extract<Exchange, { kind: 'answered' }>) {
    const body = fields(parseJson(answer.text));
    const id = text(body.id);
    const status = text(body.status);
    return id && status ? { id, status, body } : null;
  }

  const provider: ResumableVideoProvider = {
    name,
    taskTimeoutMs: options.taskTimeoutMs,
    pollIntervalMs: options.pollIntervalMs,

    async submit(request, signal): Promise<SubmitResult> {
      const model = options.modelMap?.[request.providerModel] ?? request.providerModel;
      const answer = await exchange(
        wire,
        `${base}/videos`,
        {
          method: 'POST',
          headers: headers(true),
          body: JSON.stringify({
            model,
            prompt: request.prompt,
            seconds: String(request.parameters.seconds),
            size: request.parameters.size,
          }),
        },
        signal,
      );
      if (answer.kind === 'unreachable') {
        return {
          kind: 'failed',
          failure: f.failure(answer.code, `POST /videos: ${answer.detail}`),
        };
      }
      if (answer.status < 200 || answer.status >= 300) {
        return { kind: 'failed', failure: httpFailure(answer, 'POST /videos', 'submit') };
      }
      const created = job(answer);
      if (!created) {
        return {
          kind: 'failed',
          failure: f.failure('provider_error', 'POST /videos answered without a job id and status'),
        };
      }
      return { kind: 'submitted', jobId: created.id };
    },

    async poll(jobId, signal): Promise<JobStatus> {
      const path = `/videos/${encodeURIComponent(jobId)}`;
      const answer = await exchange(wire, `${base}${path}`, { headers: headers(false) }, signal);
      if (answer.kind === 'unreachable') {
        return {
          state: 'poll_error',
          failure: f.failure(answer.code, `GET ${path}: ${answer.detail}`),
        };
      }
      if (answer.status < 200 || answer.status >= 300) {
        const failure = httpFailure(answer, `GET ${path}`, 'poll');
        return failure.code === 'lost'
          ? { state: 'failed', failure }
          : { state: 'poll_error', failure };
      }
      const current = job(answer);
      if (!current) {
        return {
          state: 'poll_error',
          failure: f.failure('provider_error', `GET ${path} answered without a job id and status`),
        };
      }
      const progress =
        typeof current.body.progress === 'number' ? current.body.progress / 100 : undefined;
      switch (current.status) {
        case 'queued':
          return { state: 'queued' };
        case 'in_progress':
          return progress === undefined ? { state: 'running' } : { state: 'running', progress };
        case 'completed':
          return {
            state: 'succeeded',
            output: {
              kind: 'url',
              url: `${base}${path}/content`,
              contentType: 'video/mp4',
              needsProviderKey: true,
            },
            usage: { metered: { video_seconds: Number(current.body.seconds) || 0 } },
          };
        case 'failed': {
          const error = fields(current.body.error);
          const code = text(error.code) ?? '';
          const raw = `job ${jobId} failed${code ? ` (${code})` : ''}: ${text(error.message) ?? ''}`;
          return {
            state: 'failed',
            failure: CONTENT_POLICY_CODE.test(code)
              ? f.failure('content_policy', raw)
              : f.failure('provider_error', raw),
          };
        }
        default:
          return {
            state: 'poll_error',
            failure: f.failure(
              'provider_error',
              `job ${jobId} has an unknown status "${current.status}"`,
            ),
          };
      }
    },

    async cancel() {
      // The protocol has no cancel (DELETE removes a finished video, it does not stop one).
      return 'not_cancellable';
    },

    fetchOutput(output, signal) {
      return fetchProviderOutput(
        {
          ...wire,
          failures: f,
          credentials: {
            origin: new URL(base).origin,
            headers: { authorization: `Bearer ${apiKey}` },
          },
        },
        output,
        signal,
      );
    },

    generate(request, signal) {
      return generateViaContract(provider, request, withDeadline(signal, options.taskTimeoutMs), {
        pollIntervalMs: options.pollIntervalMs,
      });
    },
  };
  return provider;
}
