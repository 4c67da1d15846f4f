import { failureFactory } from './failures';
import { generateViaContract, withDeadline } from './generate-via-contract';
import { fetchProviderOutput } from './output';
import type {
  CancelResult,
  JobStatus,
  ProviderFailure,
  ProviderOutput,
  ProviderUsage,
  ResumableVideoProvider,
  SubmitResult,
  VideoRequest,
} from './types';
import {
  boundDelay,
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

export interface GeminiOptions {
  /** `GEMINI_API_KEY`, sent as `x-goog-api-key`. */
  apiKey: string;
  /** `GEMINI_BASE_URL`: `https://generativelanguage.googleapis.com` unless overridden. */
  baseUrl: string;
  /** `GEMINI_API_VERSION`: the path prefix, `v1beta`. */
  apiVersion: string;
  /** `GEMINI_API_REVISION`, sent as `Api-Revision` when set (pins the response envelope). */
  apiRevision?: string;
  /**
   * `GEMINI_VIDEO_DELIVERY`: `uri` (a Files API link, fetched with the key) or `inline` (base64
   * inside the interaction; Google switches to a link above about 4 MB anyway).
   */
  delivery: 'uri' | 'inline';
  taskTimeoutMs: number;
  pollIntervalMs: number;
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
}

type Answer = Extract<Exchange, { kind: 'answered' }>;

/** Google's error reasons that mean our key or project, not the request. */
const ACCOUNT_REASONS =
  /API_KEY_INVALID|API_KEY_SERVICE_BLOCKED|API_KEY_EXPIRED|BILLING|SERVICE_DISABLED|CONSUMER_SUSPENDED/;
const SAFETY = /SAFETY|BLOCK|PROHIBITED|RAI|RECITATION|CONTENT_POLICY/i;

/**
 * Google's Gemini API Interactions for Gemini Omni video, over plain `fetch` (docs/providers.md
 * says why not `@google/genai`).
 *
 * - submit: `POST {base}/{version}/interactions` with `background: true` and a video
 *   `response_format` → `{ id, status: "in_progress" }`; our task id and attempt ride along as
 *   `labels` (Google has no idempotency key);
 * - poll: `GET {base}/{version}/interactions/{id}` → `queued`, `in_progress`, `completed` (the
 *   video in a `model_output` step, inline base64 or a `uri`; `usage` in tokens), `failed`,
 *   `cancelled`, `incomplete`, `budget_exceeded`, `requires_action`;
 * - cancel: `POST {base}/{version}/interactions/{id}/cancel`.
 * A bad key is a 400 (`API_KEY_INVALID`), not a 401.
 */
export function createGeminiProvider(options: GeminiOptions): ResumableVideoProvider {
  const root = `${trimBase(options.baseUrl)}/${options.apiVersion}`;
  const wire = {
    fetch: options.fetch ?? globalThis.fetch,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
  };
  const f = failureFactory('gemini', [options.apiKey]);
  const auth = {
    'x-goog-api-key': options.apiKey,
    accept: 'application/json',
    ...(options.apiRevision ? { 'api-revision': options.apiRevision } : {}),
  };

  /** Google's error envelope: `{ error: { code, message, status, details[] } }`. */
  function httpFailure(answer: Answer, what: string, phase: 'submit' | 'poll'): ProviderFailure {
    const error = fields(fields(parseJson(answer.text)).error);
    const message = text(error.message) ?? answer.text;
    const googleStatus = text(error.status) ?? '';
    const details = Array.isArray(error.details) ? error.details.map(fields) : [];
    const reasons = details.map((d) => text(d.reason) ?? '').join(' ');
    const raw = `${what} answered ${answer.status} ${googleStatus}${reasons ? ` (${reasons.trim()})` : ''}: ${message}`;
    const status = answer.status;
    if (ACCOUNT_REASONS.test(reasons) || status === 401 || status === 403) {
      return f.failure('provider_unavailable', raw);
    }
    if (status === 429) {
      // A spent quota or billing problem is account-level; a burst is a rate limit.
      if (/billing|check your plan/i.test(message)) return f.failure('provider_unavailable', raw);
      return f.failure('rate_limited', raw, {
        retryAfterMs: retryInfo(details) ?? retryAfterMs(answer.headers),
      });
    }
    if (status === 404) {
      return phase === 'poll'
        ? f.failure('lost', raw)
        : f.failure('provider_unavailable', `${raw} (no such model or API version)`);
    }
    if (status === 400) {
      if (SAFETY.test(reasons) || SAFETY.test(googleStatus))
        return f.failure('content_policy', raw);
      return f.failure('invalid_input', raw, {
        message: `The video provider rejected this request as invalid: ${f.detail(message)}`,
      });
    }
    if (status === 504)
      return f.failure('timeout', raw, { retryAfterMs: retryAfterMs(answer.headers) });
    if (status >= 500 || status === 408 || status === 409) {
      return f.failure('provider_error', raw, { retryAfterMs: retryAfterMs(answer.headers) });
    }
    return f.failure('provider_unavailable', `${raw} (check GEMINI_BASE_URL)`);
  }

  function statusOf(id: string, body: Record<string, unknown>): JobStatus {
    const usage = usageOf(body.usage);
    const withUsage = usage ? { usage } : {};
    switch (body.status) {
      case 'queued':
        return { state: 'queued' };
      case 'in_progress':
        return { state: 'running' };
      case 'completed': {
        const video = findVideo(body);
        if (!video) {
          // Google's safety filter ends the interaction "completed" with no video in it.
          return {
            state: 'failed',
            failure: f.failure(
              'content_policy',
              `interaction ${id} completed without a video (safety filter)`,
            ),
            ...withUsage,
          };
        }
        const contentType = text(video.mime_type) ?? 'video/mp4';
        const data = text(video.data);
        const output: ProviderOutput = data
          ? {
              kind: 'inline',
              data,
              contentType,
              sourceUrl: `${root}/interactions/${encodeURIComponent(id)}`,
            }
          : { kind: 'url', url: text(video.uri) ?? '', contentType, needsProviderKey: true };
        return { state: 'succeeded', output, ...withUsage };
      }
      case 'failed': {
        const errors = Array.isArray(body.errors) ? body.errors.map(fields) : [];
        const stepError = findStepError(body);
        const first = errors[0] ?? stepError ?? {};
        const code = String(first.code ?? first.status ?? '');
        const raw = `interaction ${id} failed${code ? ` (${code})` : ''}: ${text(first.message) ?? JSON.stringify(errors)}`;
        let failure: ProviderFailure;
        if (SAFETY.test(code) || SAFETY.test(text(first.message) ?? ''))
          failure = f.failure('content_policy', raw);
        else if (/INVALID_ARGUMENT|^400$/.test(code)) failure = f.failure('invalid_input', raw);
        else if (/DEADLINE|^504$/.test(code)) failure = f.failure('timeout', raw);
        else failure = f.failure('provider_error', raw);
        return { state: 'failed', failure, ...withUsage };
      }
      case 'cancelled':
        return { state: 'canceled', ...withUsage };
      case 'budget_exceeded':
        return {
          state: 'failed',
          failure: f.failure('provider_unavailable', `interaction ${id} ended budget_exceeded`),
          ...withUsage,
        };
      case 'incomplete':
      case 'requires_action':
        return {
          state: 'failed',
          failure: f.failure('provider_error', `interaction ${id} ended ${String(body.status)}`),
          ...withUsage,
        };
      default:
        return {
          state: 'poll_error',
          failure: f.failure(
            'provider_error',
            `interaction ${id} has an unknown status ${JSON.stringify(body.status)}`,
          ),
        };
    }
  }

  const provider: ResumableVideoProvider = {
    name: 'gemini',
    taskTimeoutMs: options.taskTimeoutMs,
    pollIntervalMs: options.pollIntervalMs,

    async submit(request, signal): Promise<SubmitResult> {
      const body = geminiInput(request, options.delivery);
      if (!body) {
        return {
          kind: 'failed',
          failure: f.failure(
            'invalid_input',
            `cannot express size "${request.parameters.size}" for Gemini`,
          ),
        };
      }
      const answer = await exchange(
        wire,
        `${root}/interactions`,
        {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        },
        signal,
      );
      const what = `POST /${options.apiVersion}/interactions`;
      if (answer.kind === 'unreachable') {
        return { kind: 'failed', failure: f.failure(answer.code, `${what}: ${answer.detail}`) };
      }
      if (answer.status < 200 || answer.status >= 300) {
        return { kind: 'failed', failure: httpFailure(answer, what, 'submit') };
      }
      const id = text(fields(parseJson(answer.text)).id);
      if (!id) {
        return {
          kind: 'failed',
          failure: f.failure('provider_error', `${what} answered without an id`),
        };
      }
      return { kind: 'submitted', jobId: id };
    },

    async poll(jobId, signal): Promise<JobStatus> {
      const path = `/interactions/${encodeURIComponent(jobId)}`;
      const what = `GET /${options.apiVersion}${path}`;
      const answer = await exchange(wire, `${root}${path}`, { headers: auth }, signal);
      if (answer.kind === 'unreachable') {
        return {
          state: 'poll_error',
          failure: f.failure(answer.code, `${what}: ${answer.detail}`),
        };
      }
      if (answer.status < 200 || answer.status >= 300) {
        const failure = httpFailure(answer, what, 'poll');
        return failure.code === 'lost'
          ? { state: 'failed', failure }
          : { state: 'poll_error', failure };
      }
      return statusOf(jobId, fields(parseJson(answer.text)));
    },

    async cancel(jobId, signal): Promise<CancelResult> {
      const path = `/interactions/${encodeURIComponent(jobId)}/cancel`;
      const answer = await exchange(
        wire,
        `${root}${path}`,
        { method: 'POST', headers: auth },
        signal,
      );
      if (answer.kind === 'unreachable') return 'unknown';
      const body = fields(parseJson(answer.text));
      if (answer.status >= 200 && answer.status < 300) {
        if (body.status === 'cancelled') return 'canceled';
        if (
          ['completed', 'failed', 'incomplete', 'budget_exceeded'].includes(String(body.status))
        ) {
          return 'not_cancellable';
        }
        return 'unknown';
      }
      // Cancelling a finished interaction: FAILED_PRECONDITION.
      if (answer.status === 400 && text(fields(body.error).status) === 'FAILED_PRECONDITION')
        return 'not_cancellable';
      return 'unknown';
    },

    fetchOutput(output, signal) {
      return fetchProviderOutput(
        {
          ...wire,
          failures: f,
          // Files API links need the key; a redirect to signed storage gets no key.
          credentials: {
            origin: new URL(root).origin,
            headers: { 'x-goog-api-key': options.apiKey },
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

/** `POST /interactions`'s body for a text-to-video request. */
export function geminiInput(
  request: VideoRequest,
  delivery: 'uri' | 'inline',
): Record<string, unknown> | null {
  const frame = frameShape(request.parameters.size);
  if (!frame) return null;
  return {
    model: request.providerModel,
    input: request.prompt,
    background: true,
    response_format: {
      type: 'video',
      aspect_ratio: frame.aspectRatio,
      duration: `${request.parameters.seconds}s`,
      resolution: frame.resolution,
      delivery,
    },
    generation_config: { video_config: { task: 'text_to_video' } },
    // Label values: lowercase letters, digits, `_` and `-`, at most 63 characters.
    labels: {
      batchreel_task: request.taskId.toLowerCase().slice(0, 63),
      batchreel_attempt: String(request.attempt),
    },
  };
}

/** The video block of a completed interaction: the last `model_output` step's, or `outputs[]`. */
function findVideo(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const steps = Array.isArray(body.steps) ? body.steps.map(fields) : [];
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i] ?? {};
    if (step.type !== 'model_output') continue;
    const content = Array.isArray(step.content) ? step.content.map(fields) : [];
    const video = content.find((c) => c.type === 'video' && (text(c.data) || text(c.uri)));
    if (video) return video;
  }
  // The envelope before `steps[]` carried outputs at the top level.
  const outputs = Array.isArray(body.outputs) ? body.outputs.map(fields) : [];
  return outputs.find((c) => c.type === 'video' && (text(c.data) || text(c.uri)));
}

function findStepError(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const steps = Array.isArray(body.steps) ? body.steps.map(fields) : [];
  return steps.map((s) => fields(s.error)).find((e) => Object.keys(e).length > 0);
}

/** Google bills Omni video as output tokens. */
function usageOf(value: unknown): ProviderUsage | undefined {
  const usage = fields(value);
  const metered: Record<string, number> = {};
  const input = num(usage.total_input_tokens);
  const output = num(usage.total_output_tokens);
  if (input !== undefined) metered.input_tokens = input;
  if (output !== undefined) metered.output_tokens = output;
  const byModality = Array.isArray(usage.output_tokens_by_modality)
    ? usage.output_tokens_by_modality.map(fields)
    : [];
  const video = num(byModality.find((m) => m.modality === 'video')?.tokens);
  if (video !== undefined) metered.video_output_tokens = video;
  return Object.keys(metered).length ? { metered } : undefined;
}

/** `google.rpc.RetryInfo`'s `retryDelay` (`"41s"`), which Google sends instead of `Retry-After`. */
function retryInfo(details: Record<string, unknown>[]): number | undefined {
  const info = details.find((d) => String(d['@type'] ?? '').endsWith('google.rpc.RetryInfo'));
  const match = /^(\d+(?:\.\d+)?)s$/.exec(text(info?.retryDelay) ?? '');
  return match ? boundDelay(Number(match[1]) * 1000) : undefined;
}
