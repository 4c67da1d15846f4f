import { randomBytes } from 'node:crypto';
import { type Exchange, type FakeFault, type FakeJob, FakeProviderCore, type Reply } from './core';

export const GEMINI_TEST_KEY = 'AIzaTest-SECRET-b7c19e4d2f';

/** Google switches from inline base64 to a Files API link above about 4 MB. */
const INLINE_LIMIT = 4 * 1024 * 1024;
/** Output tokens per second of 720p video, as Omni bills it. */
const TOKENS_PER_SECOND = 5792;

const googleError = (
  code: number,
  status: string,
  message: string,
  details?: unknown[],
): Reply => ({
  status: code,
  body: { error: { code, message, status, ...(details ? { details } : {}) } },
});

/**
 * Google's Gemini API Interactions (Gemini Omni video) as research-15 documents it:
 * - `x-goog-api-key` (or `?key=`); a wrong key is a 400 `INVALID_ARGUMENT` with reason
 *   `API_KEY_INVALID`, a missing one a 403;
 * - `POST /v1beta/interactions` `{ model, input, background: true, response_format: { type:
 *   video, aspect_ratio, duration: "8s", resolution, delivery }, … }` → `{ id, status:
 *   in_progress }`; 400 `INVALID_ARGUMENT` for what the API refuses (a duration outside 3–10 s,
 *   `"VIDEO"` in capitals, …), 404 for an unknown model; a spent quota is a 429 "check your plan
 *   and billing details";
 * - `GET /v1beta/interactions/{id}` → `queued`, `in_progress`, `completed` (the video in a
 *   `model_output` step, base64 `data` or a `uri`; `usage` in tokens; no video block at all when
 *   the safety filter stopped it), `failed` (`errors[]`), `cancelled`;
 * - `POST /v1beta/interactions/{id}/cancel` → the interaction `cancelled`, or 400
 *   `FAILED_PRECONDITION` once finished;
 * - 429s carry `google.rpc.RetryInfo` (`retryDelay: "41s"`) in the body, not `Retry-After`.
 * A `uri` (`/v1beta/files/{id}`) needs the key and redirects to a signed storage link, which
 * must not receive the key.
 */
export class FakeGemini extends FakeProviderCore {
  /** Headers the signed storage links received (to prove no key went there). */
  readonly storageRequests: Record<string, string | string[] | undefined>[] = [];

  constructor(readonly apiKey = GEMINI_TEST_KEY) {
    super((exchange) => this.answer(exchange));
  }

  private render = (fault: FakeFault): Reply => {
    if (typeof fault === 'object' && 'rateLimited' in fault) {
      return googleError(
        429,
        'RESOURCE_EXHAUSTED',
        'Resource has been exhausted (e.g. check quota).',
        [
          {
            '@type': 'type.googleapis.com/google.rpc.RetryInfo',
            retryDelay: `${fault.rateLimited}s`,
          },
        ],
      );
    }
    if (typeof fault === 'object' && 'serverError' in fault) {
      return googleError(
        fault.serverError,
        'UNAVAILABLE',
        'The model is overloaded. Please try again later.',
      );
    }
    if (typeof fault === 'object' && 'status' in fault) {
      return { status: fault.status, body: fault.body, headers: fault.headers ?? {} };
    }
    return googleError(500, 'INTERNAL', 'unexpected fault');
  };

  private async answer(x: Exchange): Promise<Reply | null> {
    const storage = /^\/gcs\/([^/]+)$/.exec(x.path);
    if (storage && x.method === 'GET') {
      this.storageRequests.push({ ...x.req.headers });
      const job = this.jobs.get(storage[1] ?? '');
      if (!job || !x.query.get('signature')) return { status: 403, body: 'AccessDenied' };
      this.serveVideo(x.res, job);
      return null;
    }
    if (this.account.outage) return this.fault(x, this.account.outage, this.render);
    const key = x.req.headers['x-goog-api-key'] ?? x.query.get('key');
    if (!key) {
      return googleError(
        403,
        'PERMISSION_DENIED',
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      );
    }
    if (key !== this.apiKey || this.account.keyRefused) {
      return googleError(
        400,
        'INVALID_ARGUMENT',
        'API key not valid. Please pass a valid API key.',
        [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'API_KEY_INVALID',
            domain: 'googleapis.com',
            metadata: { service: 'generativelanguage.googleapis.com' },
          },
        ],
      );
    }
    const file = /^\/v1beta\/files\/([^/:]+)(?::download)?$/.exec(x.path);
    if (file && x.method === 'GET') {
      const job = this.jobs.get(file[1] ?? '');
      if (!job) return googleError(404, 'NOT_FOUND', 'File not found.');
      x.res.writeHead(302, {
        location: `${this.baseUrl}/gcs/${job.id}?signature=${randomBytes(8).toString('hex')}`,
      });
      x.res.end();
      return null;
    }
    if (x.path === '/v1beta/interactions' && x.method === 'POST') return this.create(x);
    const interaction = /^\/v1beta\/interactions\/([^/]+?)(\/cancel)?$/.exec(x.path);
    const job = interaction ? this.jobs.get(decodeURIComponent(interaction[1] ?? '')) : undefined;
    if (interaction && !job) return googleError(404, 'NOT_FOUND', 'Interaction not found.');
    if (interaction && job) {
      await this.latency(job.script);
      if (interaction[2] && x.method === 'POST') {
        const phase = this.phase(job);
        if (phase === 'done') {
          return googleError(400, 'FAILED_PRECONDITION', 'The interaction has already finished.');
        }
        job.canceledAt ??= Date.now();
        return { status: 200, body: this.interaction(job) };
      }
      if (!interaction[2] && x.method === 'GET') {
        const fault = this.pollFault(job);
        if (fault) return this.fault(x, fault, this.render);
        return { status: 200, body: this.interaction(job) };
      }
    }
    return googleError(404, 'NOT_FOUND', `Method not found: ${x.method} ${x.path}`);
  }

  private async create(x: Exchange): Promise<Reply | null> {
    const body = (typeof x.body === 'object' && x.body !== null ? x.body : {}) as Record<
      string,
      unknown
    >;
    const prompt = typeof body.input === 'string' ? body.input : JSON.stringify(body.input ?? '');
    const { script, fault } = this.countSubmission(prompt);
    await this.latency(script);
    if (fault) return this.fault(x, fault, this.render);
    const invalid = (message: string) => googleError(400, 'INVALID_ARGUMENT', message);
    const model = body.model;
    if (typeof model !== 'string' || !model) return invalid('model is required.');
    if (!/^gemini-omni/.test(model)) {
      return googleError(404, 'NOT_FOUND', `models/${model} is not found for API version v1beta.`);
    }
    if (!body.input) return invalid('input is required.');
    if (body.background !== true) return invalid('Video generation requires background: true.');
    const modalities = body.response_modalities;
    if (Array.isArray(modalities) && modalities.some((m) => m !== String(m).toLowerCase())) {
      return invalid(`Invalid value at 'response_modalities' (${JSON.stringify(modalities)}).`);
    }
    const format = (body.response_format ?? {}) as Record<string, unknown>;
    if (format.type !== 'video')
      return invalid("response_format.type must be 'video' for this model.");
    const duration = /^(\d+(?:\.\d+)?)s$/.exec(String(format.duration ?? '8s'));
    if (!duration || Number(duration[1]) < 3 || Number(duration[1]) > 10) {
      return invalid(
        `response_format.duration must be between 3s and 10s, got ${JSON.stringify(format.duration)}.`,
      );
    }
    if (
      format.aspect_ratio !== undefined &&
      !['16:9', '9:16'].includes(String(format.aspect_ratio))
    ) {
      return invalid(`Unsupported aspect_ratio ${JSON.stringify(format.aspect_ratio)}.`);
    }
    if (
      format.resolution !== undefined &&
      !['360p', '720p', '1080p', '4k'].includes(String(format.resolution))
    ) {
      return invalid(`Unsupported resolution ${JSON.stringify(format.resolution)}.`);
    }
    if (format.delivery !== undefined && !['inline', 'uri'].includes(String(format.delivery))) {
      return invalid(`Unsupported delivery ${JSON.stringify(format.delivery)}.`);
    }
    for (const [k, v] of Object.entries((body.labels ?? {}) as Record<string, unknown>)) {
      if (!/^[a-z][a-z0-9_-]{0,62}$/.test(k) || !/^[a-z0-9_-]{0,63}$/.test(String(v))) {
        return invalid(`Invalid label ${k}=${String(v)}.`);
      }
    }
    if (this.account.outOfCredits) {
      return googleError(
        429,
        'RESOURCE_EXHAUSTED',
        'You exceeded your current quota, please check your plan and billing details.',
      );
    }
    const job = this.createJob(
      `v1_${randomBytes(12).toString('base64url')}`,
      model,
      prompt,
      body,
      script,
    );
    return {
      status: 200,
      body: {
        id: job.id,
        status: 'in_progress',
        object: 'interaction',
        model,
        created: new Date().toISOString(),
      },
    };
  }

  /** The interaction as `GET /v1beta/interactions/{id}` shows it now. */
  interaction(job: FakeJob): Record<string, unknown> {
    const base = {
      id: job.id,
      object: 'interaction',
      model: job.model,
      created: new Date(job.submittedAt).toISOString(),
    };
    const phase = this.phase(job);
    if (phase === 'queued') return { ...base, status: 'queued' };
    if (phase === 'running') return { ...base, status: 'in_progress' };
    if (phase === 'canceled') return { ...base, status: 'cancelled' };
    const format = (job.input.response_format ?? {}) as Record<string, unknown>;
    const seconds = Number(String(format.duration ?? '8s').replace('s', ''));
    const tokens = Math.round(seconds * TOKENS_PER_SECOND);
    const usage = {
      total_input_tokens: 12,
      total_output_tokens: tokens,
      total_tokens: tokens + 12,
      output_tokens_by_modality: [{ modality: 'video', tokens }],
    };
    const userInput = { type: 'user_input', content: [{ type: 'text', text: job.prompt }] };
    const failed = (code: string, message: string) => ({
      ...base,
      status: 'failed',
      errors: [{ code, message }],
    });
    switch (job.script.outcome ?? 'success') {
      case 'content_policy':
        // What working clients see: completed, and no video block.
        return {
          ...base,
          status: 'completed',
          usage: { ...usage, total_output_tokens: 0, output_tokens_by_modality: [] },
          steps: [userInput, { type: 'model_output', content: [] }],
        };
      case 'invalid_input':
        return failed('INVALID_ARGUMENT', 'The reference video could not be processed.');
      case 'timeout':
        return failed('DEADLINE_EXCEEDED', 'The generation did not finish in time.');
      case 'error':
      case 'bad_output':
        return failed('INTERNAL', 'An internal error has occurred.');
      case 'expired':
        return { ...base, status: 'completed', usage, steps: [userInput] };
      default: {
        const inline = format.delivery === 'inline' && job.video.length <= INLINE_LIMIT;
        const video = inline
          ? { type: 'video', mime_type: 'video/mp4', data: job.video.toString('base64') }
          : {
              type: 'video',
              mime_type: 'video/mp4',
              uri: `${this.baseUrl}/v1beta/files/${job.id}`,
            };
        return {
          ...base,
          status: 'completed',
          usage,
          steps: [
            userInput,
            { type: 'thought', signature: 'sig' },
            { type: 'model_output', content: [video] },
          ],
        };
      }
    }
  }
}

export async function startFakeGemini(apiKey?: string) {
  const fake = new FakeGemini(apiKey);
  await fake.listen();
  return fake;
}
