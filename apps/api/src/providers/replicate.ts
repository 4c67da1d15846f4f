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

export interface ReplicateOptions {
  /** `REPLICATE_API_TOKEN`, sent as `Authorization: Bearer <token>`. */
  apiToken: string;
  /** `REPLICATE_BASE_URL`: `https://api.replicate.com/v1` unless overridden. */
  baseUrl: string;
  taskTimeoutMs: number;
  pollIntervalMs: number;
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
}

type Answer = Extract<Exchange, { kind: 'answered' }>;

/** API predictions' inputs and outputs are deleted an hour after they finish. */
const OUTPUT_RETENTION_MS = 60 * 60 * 1000;
/** Replicate's moderation failures: `(E005)` and "flagged as sensitive" in the error text. */
const MODERATION = /\(E005\)|flagged as sensitive|nsfw|safety|content policy/i;
/** A tqdm progress line in the logs (what Replicate's own client parses): `45%|███ | 9/20`. */
const PROGRESS_LINE = /^\s*(\d+)%\s*\|.+?\|\s*(\d+)\/(\d+)/;

/**
 * Replicate predictions over plain `fetch` (docs/providers.md says why not the `replicate`
 * package: it re-sends a POST up to five times after a 429 or a network error, with no way to
 * turn that off).
 *
 * - submit: `POST {base}/models/{owner}/{name}/predictions` with `{ input }` (or
 *   `POST {base}/predictions` with `{ version, input }` for `owner/name:version`) → 201 prediction;
 *   no `Prefer: wait` (which would hold the connection for up to 60 s);
 * - poll: `GET {base}/predictions/{id}` → `starting`, `processing`, `succeeded`, `failed`,
 *   `canceled`, `aborted`; the output URL lives an hour;
 * - cancel: `POST {base}/predictions/{id}/cancel` → the prediction, `canceled` unless it had
 *   already finished.
 * Replicate has no idempotency key or client reference.
 */
export function createReplicateProvider(options: ReplicateOptions): ResumableVideoProvider {
  const base = trimBase(options.baseUrl);
  const wire = {
    fetch: options.fetch ?? globalThis.fetch,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
  };
  const f = failureFactory('replicate', [options.apiToken]);
  const auth = { authorization: `Bearer ${options.apiToken}`, accept: 'application/json' };

  /** Replicate's problem bodies: `{ title, detail, status, invalid_fields? }`. */
  function httpFailure(answer: Answer, what: string, phase: 'submit' | 'poll'): ProviderFailure {
    const body = fields(parseJson(answer.text));
    const title = text(body.title) ?? '';
    const detail = text(body.detail) ?? answer.text;
    const raw = `${what} answered ${answer.status}${title ? ` ${title}` : ''}: ${detail}`;
    const status = answer.status;
    if (status === 429)
      return f.failure('rate_limited', raw, { retryAfterMs: retryAfterMs(answer.headers) });
    // 401: token refused; 402: out of credit; 403: not permitted.
    if (status === 401 || status === 402 || status === 403)
      return f.failure('provider_unavailable', raw);
    if (status === 404) {
      return phase === 'poll'
        ? f.failure('lost', raw)
        : f.failure('provider_unavailable', `${raw} (no such model at Replicate)`);
    }
    if (status === 422) {
      // A version that does not exist (or is not ours to run) is the catalogue's problem.
      if (/version|permitted/i.test(title)) return f.failure('provider_unavailable', raw);
      const invalid = Array.isArray(body.invalid_fields)
        ? body.invalid_fields
            .map(fields)
            .map((i) => `${text(i.field) ?? '?'}: ${text(i.description) ?? ''}`)
        : [];
      return f.failure('invalid_input', raw, {
        message: `The video provider rejected this request as invalid: ${f.detail(invalid.join('; ') || detail)}`,
      });
    }
    if (status >= 500)
      return f.failure('provider_error', raw, { retryAfterMs: retryAfterMs(answer.headers) });
    if (status === 400) return f.failure('invalid_input', raw);
    return f.failure('provider_unavailable', `${raw} (check REPLICATE_BASE_URL)`);
  }

  function prediction(answer: Answer) {
    const body = fields(parseJson(answer.text));
    const id = text(body.id);
    const status = text(body.status);
    return id && status ? { id, status, body } : null;
  }

  /** A prediction's state as the contract says it. */
  function statusOf(p: { id: string; status: string; body: Record<string, unknown> }): JobStatus {
    const predictSeconds = num(fields(p.body.metrics).predict_time);
    const usage =
      predictSeconds === undefined ? undefined : { metered: { predict_seconds: predictSeconds } };
    switch (p.status) {
      case 'starting':
        return { state: 'queued' };
      case 'processing': {
        const progress = progressFromLogs(text(p.body.logs));
        return progress === undefined ? { state: 'running' } : { state: 'running', progress };
      }
      case 'succeeded': {
        const output = Array.isArray(p.body.output)
          ? p.body.output.find((o) => typeof o === 'string')
          : p.body.output;
        if (typeof output !== 'string' || p.body.data_removed === true) {
          return {
            state: 'failed',
            failure: f.failure(
              'lost',
              `prediction ${p.id} succeeded but its output is gone (data_removed)`,
            ),
          };
        }
        const completed = Date.parse(text(p.body.completed_at) ?? '');
        return {
          state: 'succeeded',
          output: {
            kind: 'url',
            url: output,
            ...(Number.isNaN(completed)
              ? {}
              : { expiresAt: new Date(completed + OUTPUT_RETENTION_MS) }),
            needsProviderKey: false,
          },
          ...(usage ? { usage } : {}),
        };
      }
      case 'failed': {
        const error =
          text(p.body.error) ?? (p.body.error ? JSON.stringify(p.body.error) : 'no error given');
        const raw = `prediction ${p.id} failed: ${error}`;
        return {
          state: 'failed',
          failure: MODERATION.test(error)
            ? f.failure('content_policy', raw)
            : f.failure('provider_error', raw),
          ...(usage ? { usage } : {}),
        };
      }
      case 'canceled':
        return { state: 'canceled', ...(usage ? { usage } : {}) };
      case 'aborted':
        // Its deadline passed before it started (not charged). We set none, so a deadline was
        // imposed by Replicate: treat it as a timeout to retry.
        return {
          state: 'failed',
          failure: f.failure('timeout', `prediction ${p.id} was aborted before it started`),
        };
      default:
        return {
          state: 'poll_error',
          failure: f.failure(
            'provider_error',
            `prediction ${p.id} has an unknown status "${p.status}"`,
          ),
        };
    }
  }

  const provider: ResumableVideoProvider = {
    name: 'replicate',
    taskTimeoutMs: options.taskTimeoutMs,
    pollIntervalMs: options.pollIntervalMs,

    async submit(request, signal): Promise<SubmitResult> {
      const input = replicateInput(request);
      if (!input) {
        return {
          kind: 'failed',
          failure: f.failure(
            'invalid_input',
            `cannot express size "${request.parameters.size}" for Replicate`,
          ),
        };
      }
      const versioned = /^([^/\s]+\/[^/:\s]+):(\w+)$/.exec(request.providerModel);
      const path = versioned ? '/predictions' : `/models/${request.providerModel}/predictions`;
      const body = versioned ? { version: versioned[2], input } : { input };
      const answer = await exchange(
        wire,
        `${base}${path}`,
        {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify(body),
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
      const created = prediction(answer);
      if (!created) {
        return {
          kind: 'failed',
          failure: f.failure(
            'provider_error',
            `POST ${path} answered without a prediction id: ${answer.text}`,
          ),
        };
      }
      return { kind: 'submitted', jobId: created.id };
    },

    async poll(jobId, signal): Promise<JobStatus> {
      const path = `/predictions/${encodeURIComponent(jobId)}`;
      const answer = await exchange(wire, `${base}${path}`, { headers: auth }, signal);
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
      const current = prediction(answer);
      if (!current) {
        return {
          state: 'poll_error',
          failure: f.failure(
            'provider_error',
            `GET ${path} answered without a prediction: ${answer.text}`,
          ),
        };
      }
      return statusOf(current);
    },

    async cancel(jobId, signal): Promise<CancelResult> {
      const path = `/predictions/${encodeURIComponent(jobId)}/cancel`;
      const answer = await exchange(
        wire,
        `${base}${path}`,
        { method: 'POST', headers: auth },
        signal,
      );
      if (answer.kind === 'unreachable' || answer.status < 200 || answer.status >= 300)
        return 'unknown';
      const status = prediction(answer)?.status;
      if (status === 'canceled') return 'canceled';
      if (status === 'succeeded' || status === 'failed' || status === 'aborted')
        return 'not_cancellable';
      return 'unknown';
    },

    fetchOutput(output, signal) {
      return fetchProviderOutput(
        {
          ...wire,
          failures: f,
          // Files served from the API's own host need the token; replicate.delivery links do not.
          credentials: {
            origin: new URL(base).origin,
            headers: { authorization: auth.authorization },
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

/**
 * The model input. Replicate's official video models share these names (`prompt`, `duration`,
 * `aspect_ratio`, `resolution`); a model with another schema answers 422 (`invalid_input`).
 */
export function replicateInput(request: VideoRequest): Record<string, unknown> | null {
  const frame = frameShape(request.parameters.size);
  if (!frame) return null;
  return {
    prompt: request.prompt,
    duration: request.parameters.seconds,
    aspect_ratio: frame.aspectRatio,
    resolution: frame.resolution,
  };
}

/** The last tqdm percentage in the logs, as a 0–1 fraction. */
function progressFromLogs(logs: string | undefined): number | undefined {
  if (!logs) return undefined;
  const lines = logs.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = PROGRESS_LINE.exec(lines[i] ?? '');
    if (match) return Math.min(1, Number(match[1]) / 100);
  }
  return undefined;
}
