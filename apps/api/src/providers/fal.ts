import { failureFactory } from './failures';
import { generateViaContract, withDeadline } from './generate-via-contract';
import { fetchProviderOutput } from './output';
import type {
  CancelResult,
  JobStatus,
  ProviderFailure,
  ResumableVideoProvider,
  SubmitResult,
  VideoRequest,
} from './types';
import {
  type Exchange,
  exchange,
  fields,
  frameShape,
  num,
  parseJson,
  retryAfterMs,
  text,
  trimBase,
} from './wire';

export interface FalOptions {
  /** `FAL_KEY`: `key_id:key_secret`, sent as `Authorization: Key <FAL_KEY>`. */
  apiKey: string;
  /** `FAL_BASE_URL`: the queue host, `https://queue.fal.run` unless overridden. */
  baseUrl: string;
  /** Budget of one `generate()` attempt (today's executor). */
  taskTimeoutMs: number;
  pollIntervalMs: number;
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
}

type Answer = Extract<Exchange, { kind: 'answered' }>;

/**
 * fal.ai's queue API over plain `fetch` (docs/providers.md says why not `@fal-ai/client`: its
 * queue submit retries 429/5xx/network errors three times whatever the client's retry setting).
 *
 * - submit: `POST {base}/{model id}` with the model's input → `{ request_id, status: IN_QUEUE }`;
 * - poll: `GET {base}/{owner}/{app}/requests/{id}/status` → 202 `IN_QUEUE` (with
 *   `queue_position`) or `IN_PROGRESS`, 200 `COMPLETED`. A failed request is also `COMPLETED`,
 *   with `error`/`error_type`; the real error (a 422 naming the flagged field, a 5xx) comes from
 *   the result call, `GET {base}/{owner}/{app}/requests/{id}`, which also holds a success's video;
 * - cancel: `PUT …/requests/{id}/cancel` → `OK` / `CANCELLATION_REQUESTED` / `ALREADY_COMPLETED`.
 *
 * Status, result and cancel URLs drop the model id's sub-path (`fal-ai/veo3.1/fast` is polled
 * under `fal-ai/veo3.1`), so the job id this adapter hands out is `{owner}/{app}/requests/{id}`,
 * everything a later poll needs. fal has no idempotency key or client reference.
 */
export function createFalProvider(options: FalOptions): ResumableVideoProvider {
  const base = trimBase(options.baseUrl);
  const wire = {
    fetch: options.fetch ?? globalThis.fetch,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
  };
  const f = failureFactory('fal', [options.apiKey]);
  const auth = { authorization: `Key ${options.apiKey}`, accept: 'application/json' };

  /** A non-2xx answer of any call, as fal's bodies describe it (`detail`, `error_type`). */
  function httpFailure(answer: Answer, what: string, phase: 'submit' | 'poll'): ProviderFailure {
    const body = fields(parseJson(answer.text));
    const raw = `${what} answered ${answer.status}: ${detailText(body.detail) ?? answer.text}`;
    const status = answer.status;
    if (status === 422) return validationFailure(body.detail, raw);
    if (status === 429)
      return f.failure('rate_limited', raw, { retryAfterMs: retryAfterMs(answer.headers) });
    // 401: key unknown; 403: account locked (exhausted balance, admin lock).
    if (status === 401 || status === 403) return f.failure('provider_unavailable', raw);
    if (status === 404) {
      return phase === 'poll'
        ? f.failure('lost', raw)
        : f.failure('provider_unavailable', `${raw} (no such model at fal)`);
    }
    const errorType = answer.headers.get('x-fal-error-type') ?? text(body.error_type) ?? '';
    if (status === 504 && /timeout/.test(errorType)) {
      return f.failure('timeout', raw, { retryAfterMs: retryAfterMs(answer.headers) });
    }
    if (status >= 500)
      return f.failure('provider_error', raw, { retryAfterMs: retryAfterMs(answer.headers) });
    if (status === 400) {
      return f.failure('invalid_input', raw, {
        message: `The video provider rejected this request as invalid: ${f.detail(detailText(body.detail) ?? '')}`,
      });
    }
    return f.failure('provider_unavailable', `${raw} (check FAL_BASE_URL)`);
  }

  /**
   * A 422's `detail[]`: a content-checker refusal names the flagged field (`loc`), anything else
   * is invalid input (listed field by field).
   */
  function validationFailure(detail: unknown, raw: string): ProviderFailure {
    const items = Array.isArray(detail) ? detail.map(fields) : [];
    const flagged = items.find((item) => text(item.type) === 'content_policy_violation');
    if (flagged) {
      const field = fieldName(flagged.loc);
      const categories = Array.isArray(flagged.categories)
        ? flagged.categories.filter((c) => typeof c === 'string')
        : [];
      return f.failure(
        'content_policy',
        `${raw}${categories.length ? ` [${categories.join(', ')}]` : ''}`,
        {
          message: `The video provider's content checker flagged the ${field}${
            categories.length ? ` (${categories.join(', ')})` : ''
          }.`,
        },
      );
    }
    const described = items
      .map((item) => `${fieldName(item.loc)}: ${text(item.msg) ?? ''}`)
      .join('; ');
    return f.failure('invalid_input', raw, {
      message: `The video provider rejected this request as invalid: ${f.detail(described || (detailText(detail) ?? ''))}`,
    });
  }

  /** The result call after `COMPLETED`: the video, or the request's real error. */
  async function result(
    app: string,
    requestId: string,
    usage: Record<string, number>,
    signal: AbortSignal,
  ): Promise<JobStatus> {
    const path = `/${app}/requests/${encodeURIComponent(requestId)}`;
    const answer = await exchange(wire, `${base}${path}`, { headers: auth }, signal);
    if (answer.kind === 'unreachable') {
      return {
        state: 'poll_error',
        failure: f.failure(answer.code, `GET ${path}: ${answer.detail}`),
      };
    }
    if (answer.status >= 200 && answer.status < 300) {
      const video = fields(fields(parseJson(answer.text)).video);
      const url = text(video.url);
      if (!url) {
        return {
          state: 'failed',
          failure: f.failure(
            'provider_error',
            `GET ${path} answered without video.url: ${answer.text}`,
          ),
        };
      }
      const contentType = text(video.content_type);
      return {
        state: 'succeeded',
        output: {
          kind: 'url',
          url,
          ...(contentType ? { contentType } : {}),
          needsProviderKey: false,
        },
        ...(Object.keys(usage).length ? { usage: { metered: usage } } : {}),
      };
    }
    const failure = httpFailure(answer, `GET ${path}`, 'poll');
    // The request's own error (the model's 422/5xx) ends the job; a throttled or refused result
    // call only means "ask again".
    if (failure.code === 'rate_limited' || failure.code === 'provider_unavailable') {
      return { state: 'poll_error', failure };
    }
    return { state: 'failed', failure };
  }

  const provider: ResumableVideoProvider = {
    name: 'fal',
    taskTimeoutMs: options.taskTimeoutMs,
    pollIntervalMs: options.pollIntervalMs,

    async submit(request, signal): Promise<SubmitResult> {
      const input = falInput(request);
      const app = appId(request.providerModel);
      if (!input || !app) {
        return {
          kind: 'failed',
          failure: f.failure(
            'invalid_input',
            `cannot express model "${request.providerModel}" size "${request.parameters.size}" for fal`,
          ),
        };
      }
      const path = `/${request.providerModel}`;
      const answer = await exchange(
        wire,
        `${base}${path}`,
        {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify(input),
        },
        signal,
      );
      if (answer.kind === 'unreachable') {
        return {
          kind: 'failed',
          failure: f.failure(answer.code, `POST ${path}: ${answer.detail}`),
        };
      }
      if (answer.status < 200 || answer.status >= 300) {
        return { kind: 'failed', failure: httpFailure(answer, `POST ${path}`, 'submit') };
      }
      const requestId = text(fields(parseJson(answer.text)).request_id);
      if (!requestId) {
        return {
          kind: 'failed',
          failure: f.failure(
            'provider_error',
            `POST ${path} answered without request_id: ${answer.text}`,
          ),
        };
      }
      return { kind: 'submitted', jobId: `${app}/requests/${requestId}` };
    },

    async poll(jobId, signal): Promise<JobStatus> {
      const job = parseJobId(jobId);
      if (!job)
        return { state: 'failed', failure: f.failure('lost', `not a fal job id: ${jobId}`) };
      const path = `/${job.app}/requests/${encodeURIComponent(job.requestId)}/status`;
      const answer = await exchange(wire, `${base}${path}?logs=0`, { headers: auth }, signal);
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
      const body = fields(parseJson(answer.text));
      const status = text(body.status);
      if (status === 'IN_QUEUE') {
        const position = num(body.queue_position);
        return position === undefined ? { state: 'queued' } : { state: 'queued', position };
      }
      if (status === 'IN_PROGRESS') return { state: 'running' };
      if (status === 'COMPLETED') {
        const inference = num(fields(body.metrics).inference_time);
        const usage: Record<string, number> =
          inference === undefined ? {} : { inference_seconds: inference };
        const errorType = text(body.error_type) ?? '';
        if (/cancel/i.test(errorType)) return { state: 'canceled' };
        // Success or failure, the result call tells: it answers with the model's own error.
        return result(job.app, job.requestId, usage, signal);
      }
      return {
        state: 'poll_error',
        failure: f.failure(
          'provider_error',
          `GET ${path} answered an unknown status: ${answer.text}`,
        ),
      };
    },

    async cancel(jobId, signal): Promise<CancelResult> {
      const job = parseJobId(jobId);
      if (!job) return 'unknown';
      const path = `/${job.app}/requests/${encodeURIComponent(job.requestId)}/cancel`;
      const answer = await exchange(
        wire,
        `${base}${path}`,
        { method: 'PUT', headers: auth },
        signal,
      );
      if (answer.kind === 'unreachable') return 'unknown';
      const status = text(fields(parseJson(answer.text)).status);
      if (status === 'ALREADY_COMPLETED') return 'not_cancellable';
      if (
        answer.status >= 200 &&
        answer.status < 300 &&
        (status === 'OK' || status === 'CANCELLATION_REQUESTED')
      ) {
        return 'canceled';
      }
      return 'unknown';
    },

    fetchOutput(output, signal) {
      // fal's video links are public CDN URLs: no key goes with them.
      return fetchProviderOutput({ ...wire, failures: f }, output, signal);
    },

    generate(request, signal) {
      return generateViaContract(provider, request, withDeadline(signal, options.taskTimeoutMs), {
        pollIntervalMs: options.pollIntervalMs,
      });
    },
  };
  return provider;
}

/**
 * The model input for a request. fal's schemas differ per model; these are the families the
 * catalogue uses (docs/providers.md). A model with another schema answers 422 (`invalid_input`)
 * until it gets a line here.
 */
export function falInput(request: VideoRequest): Record<string, unknown> | null {
  const frame = frameShape(request.parameters.size);
  if (!frame) return null;
  const { seconds } = request.parameters;
  const model = request.providerModel;
  if (/^fal-ai\/veo3/.test(model)) {
    return {
      prompt: request.prompt,
      aspect_ratio: frame.aspectRatio,
      duration: `${seconds}s`,
      resolution: frame.resolution,
    };
  }
  if (/gemini-omni/.test(model)) {
    return { prompt: request.prompt, aspect_ratio: frame.aspectRatio, duration: seconds };
  }
  return {
    prompt: request.prompt,
    aspect_ratio: frame.aspectRatio,
    duration: seconds,
    resolution: frame.resolution,
  };
}

/** `owner/app[/path…]` → `owner/app`, the prefix fal's status, result and cancel URLs use. */
function appId(model: string): string | null {
  const [owner, app] = model.split('/');
  return owner && app ? `${owner}/${app}` : null;
}

function parseJobId(jobId: string) {
  const at = jobId.lastIndexOf('/requests/');
  if (at <= 0) return null;
  const app = jobId.slice(0, at);
  const requestId = jobId.slice(at + '/requests/'.length);
  return requestId ? { app, requestId } : null;
}

/** `["body", "prompt"]` → `prompt`; fal names the flagged input by its last `loc` element. */
function fieldName(loc: unknown): string {
  const last = Array.isArray(loc) ? loc[loc.length - 1] : undefined;
  return typeof last === 'string' || typeof last === 'number' ? String(last) : 'input';
}

/** fal's `detail` is a string or FastAPI's list of `{ loc, msg, type }`. */
function detailText(detail: unknown): string | undefined {
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    return detail
      .map(fields)
      .map(
        (item) => `${Array.isArray(item.loc) ? item.loc.join('.') : ''}: ${text(item.msg) ?? ''}`,
      )
      .join('; ');
  }
  return undefined;
}
