import RunwayML, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@runwayml/sdk';
import { failureFactory } from './failures';
import { generateViaContract, withDeadline } from './generate-via-contract';
import { fetchProviderOutput } from './output';
import type {
  CancelResult,
  JobStatus,
  ProviderFailure,
  ProviderUsage,
  ResumableVideoProvider,
  SubmitResult,
  VideoRequest,
} from './types';
import {
  callSignal,
  describeNetworkError,
  fields,
  frameShape,
  num,
  retryAfterMs,
  text,
  trimBase,
} from './wire';

export interface RunwayOptions {
  /** `RUNWAYML_API_SECRET`, sent as `Authorization: Bearer <key>`. */
  apiSecret: string;
  /** `RUNWAY_BASE_URL`: `https://api.dev.runwayml.com` unless overridden. */
  baseUrl: string;
  /** `RUNWAY_API_VERSION`, sent as `X-Runway-Version` (required by the API). */
  apiVersion: string;
  taskTimeoutMs: number;
  /** Runway asks for no more than one poll per task every 5 s. */
  pollIntervalMs: number;
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
}

/** Runway's output links expire "within 24–48 hours"; the earlier bound is the safe one. */
const OUTPUT_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * Runway's task API through its official SDK (`@runwayml/sdk`), built with `maxRetries: 0`:
 * the SDK otherwise re-sends any request, a `POST /v1/text_to_video` included, after a 429, a
 * 5xx or a connection error.
 *
 * - submit: `POST /v1/text_to_video` `{ model, promptText, ratio, duration }` →
 *   `{ id, estimatedCost: { credits } }`;
 * - poll: `GET /v1/tasks/{id}` → `PENDING`, `THROTTLED`, `RUNNING` (with `progress`),
 *   `SUCCEEDED` (`output[]` links, `cost`), `FAILED` (`failure`, `failureCode`), `CANCELLED`;
 * - cancel: `DELETE /v1/tasks/{id}`, which cancels a pending or running task but DELETES a
 *   finished one (its video included), so the task is read first and left alone when finished.
 * Runway has no idempotency key or client reference.
 */
export function createRunwayProvider(options: RunwayOptions): ResumableVideoProvider {
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const client = new RunwayML({
    apiKey: options.apiSecret,
    baseURL: trimBase(options.baseUrl),
    runwayVersion: options.apiVersion,
    maxRetries: 0,
    timeout: requestTimeoutMs,
    logLevel: 'off',
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const f = failureFactory('runway', [options.apiSecret]);
  const fetchImpl = options.fetch ?? globalThis.fetch;

  /** Any SDK error as a failure; a caller's abort is rethrown as its own reason. */
  function sdkFailure(
    error: unknown,
    what: string,
    phase: 'submit' | 'poll',
    signal: AbortSignal,
  ): ProviderFailure {
    if (signal.aborted) throw signal.reason;
    if (error instanceof APIConnectionTimeoutError)
      return f.failure('timeout', `${what}: no answer within ${requestTimeoutMs} ms`);
    if (error instanceof APIUserAbortError) throw signal.reason ?? error;
    if (error instanceof APIConnectionError) {
      return f.failure('network_error', `${what}: ${describeNetworkError(error.cause ?? error)}`);
    }
    if (!(error instanceof APIError) || error.status === undefined) {
      return f.failure(
        'provider_error',
        `${what}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const body = fields(error.error);
    const message = text(body.error) ?? JSON.stringify(error.error ?? null);
    const raw = `${what} answered ${error.status}: ${message}${Array.isArray(body.issues) ? ` ${JSON.stringify(body.issues)}` : ''}`;
    const status = error.status;
    const wait = error.headers instanceof Headers ? retryAfterMs(error.headers) : undefined;
    if (status === 429) return f.failure('rate_limited', raw, { retryAfterMs: wait });
    if (status === 401 || status === 403) return f.failure('provider_unavailable', raw);
    if (status === 400 && /enough credits/i.test(message))
      return f.failure('provider_unavailable', raw);
    if (status === 404) {
      return phase === 'poll'
        ? f.failure('lost', raw)
        : f.failure('provider_unavailable', `${raw} (check RUNWAY_BASE_URL)`);
    }
    if (status === 400 || status === 422) {
      return f.failure('invalid_input', raw, {
        message: `The video provider rejected this request as invalid: ${f.detail(message)}`,
      });
    }
    if (status >= 500 || status === 408 || status === 409) {
      return f.failure('provider_error', raw, { retryAfterMs: wait });
    }
    return f.failure('provider_unavailable', raw);
  }

  /** A task's state as the contract says it. */
  function statusOf(task: Record<string, unknown>): JobStatus {
    const id = text(task.id) ?? '?';
    const charged = num(fields(task.cost).credits);
    const usage: ProviderUsage | undefined =
      charged === undefined ? undefined : { cost: { amount: charged, currency: 'runway_credits' } };
    switch (task.status) {
      case 'PENDING':
      case 'THROTTLED':
        return { state: 'queued' };
      case 'RUNNING': {
        const progress = num(task.progress);
        return progress === undefined ? { state: 'running' } : { state: 'running', progress };
      }
      case 'SUCCEEDED': {
        const url = Array.isArray(task.output)
          ? task.output.find((o) => typeof o === 'string')
          : undefined;
        if (typeof url !== 'string') {
          return {
            state: 'failed',
            failure: f.failure('provider_error', `task ${id} succeeded without an output`),
          };
        }
        return {
          state: 'succeeded',
          output: {
            kind: 'url',
            url,
            expiresAt: new Date(Date.now() + OUTPUT_LIFETIME_MS),
            needsProviderKey: false,
          },
          ...(usage ? { usage } : {}),
        };
      }
      case 'FAILED': {
        const code = text(task.failureCode) ?? '';
        const raw = `task ${id} failed${code ? ` (${code})` : ''}: ${text(task.failure) ?? ''}`;
        return { state: 'failed', failure: taskFailure(code, raw), ...(usage ? { usage } : {}) };
      }
      case 'CANCELLED':
        return { state: 'canceled', ...(usage ? { usage } : {}) };
      default:
        return {
          state: 'poll_error',
          failure: f.failure(
            'provider_error',
            `task ${id} has an unknown status ${JSON.stringify(task.status)}`,
          ),
        };
    }
  }

  /** Runway's `failureCode` families (the third segment is "best effort", so only the first two count). */
  function taskFailure(code: string, raw: string): ProviderFailure {
    if (code.startsWith('SAFETY.')) {
      const output = code.startsWith('SAFETY.OUTPUT');
      return f.failure('content_policy', raw, {
        message: output
          ? "The generated video was blocked by the video provider's content moderation."
          : "The video provider's content moderation refused this prompt.",
      });
    }
    if (code.startsWith('INTERNAL.BAD_OUTPUT'))
      return f.failure('provider_error', raw, { retryLimit: 1 });
    if (code.startsWith('INPUT.') || code.startsWith('ASSET.'))
      return f.failure('invalid_input', raw);
    return f.failure('provider_error', raw);
  }

  const provider: ResumableVideoProvider = {
    name: 'runway',
    taskTimeoutMs: options.taskTimeoutMs,
    pollIntervalMs: options.pollIntervalMs,

    async submit(request, signal): Promise<SubmitResult> {
      const body = runwayInput(request);
      if (!body) {
        return {
          kind: 'failed',
          failure: f.failure(
            'invalid_input',
            `cannot express size "${request.parameters.size}" for Runway`,
          ),
        };
      }
      const call = callSignal(signal);
      try {
        // The body is a union keyed by model; the catalogue's model id is trusted as one of them.
        const created = await client.textToVideo.create(body as never, { signal: call.signal });
        const estimate = num(fields(fields(created).estimatedCost).credits);
        return {
          kind: 'submitted',
          jobId: created.id,
          ...(estimate === undefined
            ? {}
            : { estimatedUsage: { cost: { amount: estimate, currency: 'runway_credits' } } }),
        };
      } catch (error) {
        return {
          kind: 'failed',
          failure: sdkFailure(error, 'POST /v1/text_to_video', 'submit', signal),
        };
      } finally {
        call.release();
      }
    },

    async poll(jobId, signal): Promise<JobStatus> {
      const call = callSignal(signal);
      try {
        const task = await client.tasks.retrieve(jobId, { signal: call.signal });
        return statusOf(fields(task));
      } catch (error) {
        const failure = sdkFailure(error, `GET /v1/tasks/${jobId}`, 'poll', signal);
        return failure.code === 'lost'
          ? { state: 'failed', failure }
          : { state: 'poll_error', failure };
      } finally {
        call.release();
      }
    },

    async cancel(jobId, signal): Promise<CancelResult> {
      const call = callSignal(signal);
      try {
        const task = await client.tasks.retrieve(jobId, { signal: call.signal });
        const state = statusOf(fields(task)).state;
        // DELETE on a finished task deletes it, video and all: leave it be.
        if (state === 'succeeded' || state === 'failed' || state === 'canceled')
          return 'not_cancellable';
        await client.tasks.delete(jobId, { signal: call.signal });
        return 'canceled';
      } catch {
        if (signal.aborted) throw signal.reason;
        return 'unknown';
      } finally {
        call.release();
      }
    },

    fetchOutput(output, signal) {
      // Runway's links are signed CDN URLs: no key goes with them.
      return fetchProviderOutput(
        { fetch: fetchImpl, requestTimeoutMs, failures: f },
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

/** `POST /v1/text_to_video`'s body: Runway names the frame by its pixels (`1280:720`). */
export function runwayInput(request: VideoRequest): Record<string, unknown> | null {
  const frame = frameShape(request.parameters.size);
  if (!frame) return null;
  return {
    model: request.providerModel,
    promptText: request.prompt,
    ratio: frame.ratio,
    duration: request.parameters.seconds,
  };
}
