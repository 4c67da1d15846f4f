import { randomBytes } from 'node:crypto';
import { type Exchange, type FakeFault, type FakeJob, FakeProviderCore, type Reply } from './core';

export const REPLICATE_TEST_TOKEN = 'r8_test_SECRET_0c2f9b77a1';

/** The input schema the fake's video models share (Replicate validates it: 422 `invalid_fields`). */
const INPUT_SCHEMA = {
  aspect_ratio: ['16:9', '9:16', '1:1'],
  resolution: ['480p', '720p', '1080p'],
  /** Whole seconds, 1 to 15. */
  maxDuration: 15,
  known: ['prompt', 'aspect_ratio', 'resolution', 'duration', 'seed', 'negative_prompt'],
};

/**
 * Replicate's predictions API as research-15 documents it:
 * - `POST /v1/models/{owner}/{name}/predictions` `{ input }` (or `POST /v1/predictions`
 *   `{ version, input }`) → 201 prediction `starting`; 422 `invalid_fields` for a bad input;
 *   `Prefer: wait` holds the answer until the prediction ends, else answers `starting` (never
 *   `processing`, which the official client would take as finished);
 * - `GET /v1/predictions/{id}` → `starting`, `processing` (tqdm lines in `logs`), `succeeded`
 *   (an output URL, `metrics.predict_time`), `failed` (a text `error`, `(E005)` for moderation),
 *   `canceled`; `data_removed: true` and no output once the hour is over;
 * - `POST /v1/predictions/{id}/cancel` → the prediction, `canceled` unless already finished;
 * - `Authorization: Bearer <token>`; errors are `{ title, detail, status }`: 401, 402 (out of
 *   credit), 404, 422, 429 with `Retry-After`. Videos are served at `/delivery/{id}/output.mp4`.
 */
export class FakeReplicate extends FakeProviderCore {
  constructor(readonly apiToken = REPLICATE_TEST_TOKEN) {
    super((exchange) => this.answer(exchange));
  }

  get apiBase() {
    return `${this.baseUrl}/v1`;
  }

  private render = (fault: FakeFault): Reply => {
    if (typeof fault === 'object' && 'rateLimited' in fault) {
      return {
        status: 429,
        body: {
          title: 'Request was throttled',
          detail: `Request was throttled. Expected available in ${fault.rateLimited} seconds.`,
          status: 429,
        },
        headers: { 'retry-after': String(fault.rateLimited) },
      };
    }
    if (typeof fault === 'object' && 'serverError' in fault) {
      return {
        status: fault.serverError,
        body: { detail: 'Internal server error', status: fault.serverError },
      };
    }
    if (typeof fault === 'object' && 'status' in fault) {
      return { status: fault.status, body: fault.body, headers: fault.headers ?? {} };
    }
    return { status: 500, body: { detail: 'unexpected fault' } };
  };

  private async answer(x: Exchange): Promise<Reply | null> {
    const file = /^\/delivery\/([^/]+)\/output\.mp4$/.exec(x.path);
    if (file && x.method === 'GET') {
      const job = this.jobs.get(file[1] ?? '');
      if (!job || job.script.outcome === 'expired') return { status: 404, body: 'Not Found' };
      this.serveVideo(x.res, job);
      return null;
    }
    if (this.account.outage) return this.fault(x, this.account.outage, this.render);
    if (x.req.headers.authorization !== `Bearer ${this.apiToken}` || this.account.keyRefused) {
      return {
        status: 401,
        body: {
          title: 'Unauthenticated',
          detail: 'You did not pass a valid authentication token',
          status: 401,
        },
      };
    }
    const notFound = {
      status: 404,
      body: { detail: 'The requested resource could not be found.', status: 404 },
    };

    const model = /^\/v1\/models\/([^/]+)\/([^/]+)\/predictions$/.exec(x.path);
    if (model && x.method === 'POST') return this.create(x, `${model[1]}/${model[2]}`);
    if (x.path === '/v1/predictions' && x.method === 'POST') {
      const version = String((x.body as { version?: unknown } | undefined)?.version ?? '');
      const parsed = /^(?:([^/]+\/[^/:]+):)?([0-9a-f]{64})$/.exec(version);
      if (!parsed) {
        return {
          status: 422,
          body: {
            title: 'Invalid version or not permitted',
            detail:
              "The specified version does not exist (or perhaps you don't have permission to use it?)",
            status: 422,
          },
        };
      }
      return this.create(x, parsed[1] ?? 'owner/versioned');
    }

    const prediction = /^\/v1\/predictions\/([^/]+)(\/cancel)?$/.exec(x.path);
    if (prediction) {
      const job = this.jobs.get(prediction[1] ?? '');
      if (!job) return notFound;
      await this.latency(job.script);
      if (prediction[2] && x.method === 'POST') {
        const phase = this.phase(job);
        if (phase === 'queued' || phase === 'running') job.canceledAt = Date.now();
        return { status: 200, body: this.prediction(job) };
      }
      if (!prediction[2] && x.method === 'GET') {
        const fault = this.pollFault(job);
        if (fault) return this.fault(x, fault, this.render);
        return { status: 200, body: this.prediction(job) };
      }
    }
    return notFound;
  }

  private async create(x: Exchange, model: string): Promise<Reply | null> {
    const body = (x.body ?? {}) as Record<string, unknown>;
    const input = (
      typeof body.input === 'object' && body.input !== null ? body.input : {}
    ) as Record<string, unknown>;
    const prompt = typeof input.prompt === 'string' ? input.prompt : '';
    const { script, fault } = this.countSubmission(prompt);
    await this.latency(script);
    if (this.account.outOfCredits) {
      return {
        status: 402,
        body: {
          title: 'Insufficient credit',
          detail:
            'You have insufficient credit to run this model. Go to https://replicate.com/account/billing#billing to purchase credit. Once you purchase credit, please wait a few minutes before trying again.',
          status: 402,
        },
      };
    }
    if (fault) return this.fault(x, fault, this.render);
    const invalid = this.validate(body, input);
    if (invalid.length > 0) {
      return {
        status: 422,
        body: {
          detail: invalid.map((i) => `- ${i.field}: ${i.description}`).join('\n'),
          status: 422,
          title: 'Input validation failed',
          invalid_fields: invalid,
        },
      };
    }
    // Replicate ids: 26 lowercase base32 characters.
    const id = randomBytes(16).toString('hex').slice(0, 26);
    const job = this.createJob(id, model, prompt, input, script);
    const wait = /^wait(?:=(\d+))?$/.exec(String(x.req.headers.prefer ?? ''));
    if (wait) {
      const limit = Math.min(60, Number(wait[1] ?? 60)) * 1000;
      const until = Date.now() + limit;
      while (Date.now() < until && this.phase(job) !== 'done' && this.phase(job) !== 'canceled') {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const finished = this.prediction(job);
      // Held and still going: answered `starting`, never `processing`.
      return {
        status: 201,
        body: finished.status === 'processing' ? { ...finished, status: 'starting' } : finished,
      };
    }
    return { status: 201, body: this.prediction(job) };
  }

  private validate(body: Record<string, unknown>, input: Record<string, unknown>) {
    const invalid: { type: string; field: string; description: string }[] = [];
    if (typeof body.input !== 'object' || body.input === null) {
      invalid.push({ type: 'required', field: 'input', description: 'input is required' });
      return invalid;
    }
    if (typeof input.prompt !== 'string' || input.prompt === '') {
      invalid.push({ type: 'required', field: 'input.prompt', description: 'prompt is required' });
    }
    for (const key of Object.keys(input)) {
      if (!INPUT_SCHEMA.known.includes(key)) {
        invalid.push({
          type: 'additional_property_not_allowed',
          field: `input.${key}`,
          description: `Additional property ${key} is not allowed`,
        });
      }
    }
    for (const field of ['aspect_ratio', 'resolution'] as const) {
      if (field in input && !INPUT_SCHEMA[field].includes(input[field] as string)) {
        invalid.push({
          type: 'enum',
          field: `input.${field}`,
          description: `${field} must be one of the following: ${INPUT_SCHEMA[field].map((v) => `"${v}"`).join(', ')}`,
        });
      }
    }
    if ('duration' in input) {
      const d = input.duration;
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > INPUT_SCHEMA.maxDuration) {
        invalid.push({
          type: 'number_lte',
          field: 'input.duration',
          description: `duration must be an integer from 1 to ${INPUT_SCHEMA.maxDuration}`,
        });
      }
    }
    return invalid;
  }

  /** The prediction object as `GET /v1/predictions/{id}` shows it now. */
  prediction(job: FakeJob): Record<string, unknown> {
    const phase = this.phase(job);
    const base = {
      id: job.id,
      model: job.model,
      version: 'hidden',
      input: job.input,
      logs: '',
      output: null,
      error: null,
      status: 'starting',
      created_at: new Date(job.submittedAt).toISOString(),
      data_removed: false,
      urls: {
        get: `${this.apiBase}/predictions/${job.id}`,
        cancel: `${this.apiBase}/predictions/${job.id}/cancel`,
        web: `https://replicate.com/p/${job.id}`,
      },
    };
    if (phase === 'queued') return base;
    if (phase === 'running') {
      const percent = Math.floor(this.progress(job) * 100);
      return {
        ...base,
        status: 'processing',
        logs: `Starting\n ${percent}%|████      | ${percent}/100 [00:05<00:10]\n`,
      };
    }
    const ended = {
      completed_at: new Date().toISOString(),
      metrics: { predict_time: 12.5, total_time: 13.1 },
    };
    if (phase === 'canceled') return { ...base, ...ended, status: 'canceled' };
    switch (job.script.outcome ?? 'success') {
      case 'content_policy':
        return {
          ...base,
          ...ended,
          status: 'failed',
          error:
            'The input or output was flagged as sensitive. Please try again with different inputs. (E005)',
        };
      case 'error':
      case 'bad_output':
      case 'invalid_input':
        return {
          ...base,
          ...ended,
          status: 'failed',
          error: 'CUDA error: an illegal memory access was encountered',
        };
      case 'timeout':
        return { ...base, ...ended, status: 'failed', error: 'Prediction timed out' };
      case 'expired':
        return {
          ...base,
          ...ended,
          status: 'succeeded',
          input: {},
          logs: '',
          output: null,
          data_removed: true,
        };
      default:
        return {
          ...base,
          ...ended,
          status: 'succeeded',
          output: `${this.baseUrl}/delivery/${job.id}/output.mp4`,
        };
    }
  }
}

export async function startFakeReplicate(apiToken?: string) {
  const fake = new FakeReplicate(apiToken);
  await fake.listen();
  return fake;
}
