import { ProviderError, type VideoProvider, type VideoRequest, type VideoResult } from './types';

/** Configuration of one provider that speaks the OpenAI-style videos API. */
export interface HttpVideosOptions {
  /** Provider name as `models.provider` refers to it, e.g. `openai`. */
  name: string;
  /** API root without the `/videos` part, e.g. `https://api.example.com/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`; never appears in an error message. */
  apiKey: string;
  /** How long one attempt (create + poll until done) may take. */
  taskTimeoutMs: number;
  /** Pause between status polls. */
  pollIntervalMs: number;
  /** Catalogue `providerModel` → the provider's model id; unmapped names pass through as is. */
  modelMap?: Record<string, string>;
  /** Injectable so an SSRF-safe fetch can replace the global one. */
  fetch?: typeof fetch;
}

/** The job object `POST /videos` and `GET /videos/{id}` answer with. */
interface VideoJob {
  id: string;
  status: string;
  error?: { code?: unknown; message?: unknown } | null;
}

/** Longest error excerpt a message carries; provider bodies can be whole HTML pages. */
const MAX_EXCERPT = 300;
/** A provider's `Retry-After` is honoured up to this; beyond it is more likely a bug than a plan. */
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;
/** Failed-job error codes that mean "refused for content": retrying cannot change the answer. */
const CONTENT_POLICY_CODE = /moderation|content_policy|safety/i;

/**
 * A provider for an OpenAI-style videos API (SPEC §6): `POST {base}/videos` creates a job,
 * `GET {base}/videos/{id}` is polled until the job is `completed` or `failed`, and
 * `GET {base}/videos/{id}/content` serves the MP4. Nothing here is specific to one vendor, so the
 * catalogue can point a model (e.g. `sora-2`) at whichever compatible endpoint is configured.
 *
 * The result's `videoUrl` is `{base}/videos/{id}/content` and `providerJobId` the provider's job
 * id. That URL is the only stable handle the protocol offers, but fetching it needs the provider
 * key, so it is not yet something a customer can download directly: serving it requires a proxy
 * or a copy to our own storage (and the provider may expire the content after a while).
 *
 * Error classification (`ProviderError`; the executor retries transient ones with backoff):
 * - network failures (refused, reset, DNS) → `network_error`, transient;
 * - HTTP 5xx, 408, 409, 425, and 404 while polling → `provider_error`, transient;
 * - 429 on create → `rate_limited`, transient, `retryAfterMs` from `retry-after-ms` or
 *   `Retry-After` (seconds or HTTP-date); 429 while polling only pauses polling (bounded by the
 *   attempt's remaining time), because giving up would orphan a job that is already being made;
 * - 400/422 → `invalid_input`, permanent (or `content_policy` if the error code says moderation);
 * - 401/403 → `provider_error`, permanent: a misconfigured key does not fix itself;
 * - other 4xx and redirects → `provider_error`, permanent (wrong base URL or a retired API);
 * - a `failed` job → `content_policy`, permanent, if its error code mentions moderation,
 *   content policy or safety; otherwise `provider_error`, transient, since a failed generation
 *   usually succeeds on a second try and the executor caps the attempts anyway;
 * - `signal` aborting (or `taskTimeoutMs` passing) aborts the in-flight request or the poll pause
 *   at once and rethrows the abort reason unchanged, which the executor records as `timeout`.
 */
export function createHttpVideosProvider(options: HttpVideosOptions): VideoProvider {
  const base = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const { name, apiKey, taskTimeoutMs, pollIntervalMs } = options;

  /** Removes the key wherever a provider (or a library) echoed it. */
  function redact(text: string) {
    return apiKey ? text.split(apiKey).join('[redacted]') : text;
  }

  /** Provider-supplied text, redacted before cutting (so no partial key survives the cut). */
  function excerpt(text: string) {
    const flat = redact(text).replace(/\s+/g, ' ').trim();
    return flat.length > MAX_EXCERPT ? `${flat.slice(0, MAX_EXCERPT)}…` : flat;
  }

  function fail(code: ProviderError['code'], message: string, transient: boolean, retry?: number) {
    return new ProviderError(code, redact(`${name}: ${message}`), transient, retry);
  }

  /** One HTTP exchange; resolves with the response or throws a classified network error. */
  async function send(method: 'GET' | 'POST', path: string, signal: AbortSignal, body?: unknown) {
    try {
      return await fetchImpl(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        // A redirect would carry the key to wherever it points; an API has no reason to send one.
        redirect: 'manual',
        signal,
      });
    } catch (error) {
      throw asNetworkError(error, `${method} ${path}`, signal);
    }
  }

  function asNetworkError(error: unknown, what: string, signal: AbortSignal) {
    // The abort reason goes out unchanged so the executor sees its own TimeoutError/AbortError.
    if (signal.aborted) return signal.reason;
    // An injected fetch (e.g. the SSRF guard) may already know better than "network error".
    if (error instanceof ProviderError) return error;
    return fail(
      'network_error',
      `${what} could not reach the provider: ${excerpt(describe(error))}`,
      true,
    );
  }

  /** Reads a successful answer as a job object; a malformed one is the provider's fault. */
  async function readJob(response: Response, what: string, signal: AbortSignal) {
    let parsed: unknown;
    try {
      parsed = await response.json();
    } catch {
      if (signal.aborted) throw signal.reason;
      throw fail('provider_error', `${what} answered with a body that is not JSON.`, true);
    }
    if (!isJob(parsed)) {
      throw fail('provider_error', `${what} answered without a job id and status.`, true);
    }
    return parsed;
  }

  /** Turns a non-2xx answer into a classified error (429 on poll is handled by the caller). */
  async function httpError(
    response: Response,
    what: string,
    phase: 'create' | 'poll',
    signal: AbortSignal,
  ) {
    let text = '';
    try {
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      text = `(body unreadable: ${describe(error)})`;
    }
    const summary = summariseBody(text);
    const code = summary.code;
    const body = excerpt(summary.text);
    const status = response.status;
    const detail = `${what} answered ${status}${body ? `: ${body}` : '.'}`;
    if (status === 429) {
      return fail('rate_limited', detail, true, retryAfterMs(response.headers));
    }
    if (status >= 500 || status === 408 || status === 409 || status === 425) {
      return fail('provider_error', detail, true);
    }
    if (status === 401 || status === 403) {
      return fail(
        'provider_error',
        `${detail} — The provider rejected our credentials: check its API key and access (misconfiguration).`,
        false,
      );
    }
    if (status === 404 && phase === 'poll') {
      // The job vanished (or is not visible yet on an eventually consistent API): a new attempt
      // creates a fresh one.
      return fail('provider_error', detail, true);
    }
    if (status === 400 || status === 422) {
      if (code && CONTENT_POLICY_CODE.test(code)) return fail('content_policy', detail, false);
      return fail('invalid_input', detail, false);
    }
    if (status >= 300 && status < 400) {
      return fail('provider_error', `${detail} — Unexpected redirect: check the base URL.`, false);
    }
    return fail(
      'provider_error',
      `${detail} — Check the provider's base URL and that its videos API still exists.`,
      false,
    );
  }

  return {
    name,
    taskTimeoutMs,
    async generate(request: VideoRequest, outerSignal: AbortSignal): Promise<VideoResult> {
      if (outerSignal.aborted) throw outerSignal.reason;
      // Own deadline as well as the caller's, so the adapter never outlives taskTimeoutMs even
      // when called without a timeout; both abort the same controller with their own reason.
      const deadline = Date.now() + taskTimeoutMs;
      const controller = new AbortController();
      const signal = controller.signal;
      const onAbort = () => controller.abort(outerSignal.reason);
      outerSignal.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(
        () =>
          controller.abort(
            new DOMException(`${name} did not finish within ${taskTimeoutMs} ms.`, 'TimeoutError'),
          ),
        taskTimeoutMs,
      );
      try {
        const model = options.modelMap?.[request.providerModel] ?? request.providerModel;
        const created = await send('POST', '/videos', signal, {
          model,
          prompt: request.prompt,
          seconds: String(request.parameters.seconds),
          size: request.parameters.size,
        });
        if (!created.ok) throw await httpError(created, 'POST /videos', 'create', signal);
        let job = await readJob(created, 'POST /videos', signal);
        const jobPath = `/videos/${encodeURIComponent(job.id)}`;

        let throttledPolls = 0;
        for (;;) {
          if (job.status === 'completed') {
            return { videoUrl: `${base}${jobPath}/content`, providerJobId: job.id };
          }
          if (job.status === 'failed') throw failedJobError(job);
          if (job.status !== 'queued' && job.status !== 'in_progress') {
            throw fail(
              'provider_error',
              `Job ${job.id} has an unknown status "${excerpt(job.status)}".`,
              true,
            );
          }

          await sleep(pollIntervalMs, signal);
          const polled = await send('GET', jobPath, signal);
          if (polled.status === 429) {
            // Keep the job: wait as told (or back off), never past the attempt's deadline — the
            // deadline itself then ends the attempt as a timeout.
            await polled.body?.cancel().catch(() => {});
            throttledPolls++;
            const hinted = retryAfterMs(polled.headers);
            const backoff = Math.min(pollIntervalMs * 2 ** throttledPolls, 30_000);
            await sleep(Math.min(hinted ?? backoff, Math.max(0, deadline - Date.now())), signal);
            continue;
          }
          throttledPolls = 0;
          if (!polled.ok) throw await httpError(polled, `GET ${jobPath}`, 'poll', signal);
          job = await readJob(polled, `GET ${jobPath}`, signal);
        }
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        throw error;
      } finally {
        clearTimeout(timer);
        outerSignal.removeEventListener('abort', onAbort);
      }
    },
  };

  function failedJobError(job: VideoJob) {
    const code = typeof job.error?.code === 'string' ? job.error.code : '';
    const message = typeof job.error?.message === 'string' ? job.error.message : '';
    const reason = excerpt(message);
    const detail = `Job ${job.id} failed${code ? ` (${excerpt(code)})` : ''}${reason ? `: ${reason}` : '.'}`;
    if (CONTENT_POLICY_CODE.test(code)) return fail('content_policy', detail, false);
    return fail('provider_error', detail, true);
  }
}

function isJob(value: unknown): value is VideoJob {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.id === 'string' && record.id !== '' && typeof record.status === 'string';
}

/** The error code and a readable excerpt of an error body (OpenAI shape or anything else). */
function summariseBody(text: string): { code: string | null; text: string } {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && 'error' in parsed) {
      const error = (parsed as { error: unknown }).error;
      if (typeof error === 'object' && error !== null) {
        const { code, type, message } = error as Record<string, unknown>;
        const label = typeof code === 'string' ? code : typeof type === 'string' ? type : null;
        if (typeof message === 'string') {
          return { code: label, text: label ? `${label}: ${message}` : message };
        }
        return { code: label, text };
      }
      if (typeof error === 'string') return { code: null, text: error };
    }
  } catch {
    // Not JSON: the raw text is the best description there is.
  }
  return { code: null, text };
}

/**
 * The wait a 429 asks for: OpenAI's `retry-after-ms` first (finer than seconds), then the
 * standard `Retry-After` in seconds or as an HTTP-date. Undefined when absent or unreadable.
 */
function retryAfterMs(headers: Headers): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return bound(Number(ms));
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return bound(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : bound(date - Date.now());
}

function bound(ms: number) {
  return Math.min(Math.max(0, Math.round(ms)), MAX_RETRY_AFTER_MS);
}

/** What went wrong on the wire: undici hides the useful part (ECONNRESET, ...) in `cause`. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return `${cause.message}${typeof code === 'string' && !cause.message.includes(code) ? ` (${code})` : ''}`;
  }
  return error.message;
}

/** A pause that ends at once, with the abort reason, when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
