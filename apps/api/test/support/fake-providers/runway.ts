import { randomUUID } from 'node:crypto';
import { type Exchange, type FakeFault, type FakeJob, FakeProviderCore, type Reply } from './core';

export const RUNWAY_TEST_SECRET = 'key_test_SECRET_5d1e8a0b44c2';
export const RUNWAY_VERSION = '2024-11-06';

/** Per-model request rules and credits per second, as the fake's Runway enforces them. */
const MODELS: Record<
  string,
  { ratios: string[]; durations: (d: number) => boolean; creditsPerSecond: number }
> = {
  'gen4.5': {
    ratios: ['1280:720', '720:1280'],
    durations: (d) => Number.isInteger(d) && d >= 2 && d <= 10,
    creditsPerSecond: 12,
  },
  'veo3.1': {
    ratios: ['1280:720', '720:1280', '1080:1920', '1920:1080'],
    durations: (d) => [4, 6, 8].includes(d),
    creditsPerSecond: 40,
  },
  'veo3.1_fast': {
    ratios: ['1280:720', '720:1280', '1080:1920', '1920:1080'],
    durations: (d) => [4, 6, 8].includes(d),
    creditsPerSecond: 10,
  },
};

/**
 * Runway's API as research-15 documents it:
 * - every request needs `Authorization: Bearer <key>` and `X-Runway-Version: 2024-11-06`;
 * - `POST /v1/text_to_video` `{ model, promptText, ratio, duration }` → `{ id, estimatedCost }`;
 *   a body the model does not accept is a 400 `{ error, issues }`; out of credits is a 400
 *   "You do not have enough credits to run this task.";
 * - `GET /v1/tasks/{id}` → `PENDING`, `THROTTLED`, `RUNNING` (`progress`), `SUCCEEDED`
 *   (`output[]`, `cost`), `FAILED` (`failure`, `failureCode`: `SAFETY.*`,
 *   `INTERNAL.BAD_OUTPUT.*`, …), `CANCELLED`;
 * - `DELETE /v1/tasks/{id}` → 204: cancels a pending or running task, deletes a finished one;
 *   either way it is 404 from then on. Videos are served at `/cdn/{id}.mp4?_jwt=…`.
 */
export class FakeRunway extends FakeProviderCore {
  constructor(readonly apiSecret = RUNWAY_TEST_SECRET) {
    super((exchange) => this.answer(exchange));
  }

  private render = (fault: FakeFault): Reply => {
    if (typeof fault === 'object' && 'rateLimited' in fault) {
      return {
        status: 429,
        body: { error: 'You have exceeded the rate limit for this endpoint.' },
        headers: { 'retry-after': String(fault.rateLimited) },
      };
    }
    if (typeof fault === 'object' && 'serverError' in fault) {
      return { status: fault.serverError, body: { error: 'An unexpected error occurred.' } };
    }
    if (typeof fault === 'object' && 'status' in fault) {
      return { status: fault.status, body: fault.body, headers: fault.headers ?? {} };
    }
    return { status: 500, body: { error: 'unexpected fault' } };
  };

  private async answer(x: Exchange): Promise<Reply | null> {
    const file = /^\/cdn\/([^/]+)\.mp4$/.exec(x.path);
    if (file && x.method === 'GET') {
      const job = this.jobs.get(file[1] ?? '');
      if (!job || !x.query.get('_jwt')) return { status: 403, body: 'Forbidden' };
      this.serveVideo(x.res, job);
      return null;
    }
    if (this.account.outage) return this.fault(x, this.account.outage, this.render);
    if (x.req.headers.authorization !== `Bearer ${this.apiSecret}` || this.account.keyRefused) {
      return { status: 401, body: { error: 'Invalid API key' } };
    }
    const version = x.req.headers['x-runway-version'];
    if (version !== RUNWAY_VERSION) {
      return {
        status: 400,
        body: {
          error: version
            ? `Unsupported API version: ${String(version)}`
            : 'You must provide an API version in the X-Runway-Version header.',
        },
      };
    }
    if (x.path === '/v1/text_to_video' && x.method === 'POST') return this.create(x);
    const task = /^\/v1\/tasks\/([^/]+)$/.exec(x.path);
    const job = task ? this.jobs.get(task[1] ?? '') : undefined;
    if (task && (!job || job.deleted)) return { status: 404, body: { error: 'Task not found' } };
    if (task && job && x.method === 'GET') {
      await this.latency(job.script);
      const fault = this.pollFault(job);
      if (fault) return this.fault(x, fault, this.render);
      return { status: 200, body: this.task(job) };
    }
    if (task && job && x.method === 'DELETE') {
      await this.latency(job.script);
      const phase = this.phase(job);
      if (phase === 'queued' || phase === 'running') job.canceledAt = Date.now();
      job.deleted = true;
      x.res.writeHead(204);
      x.res.end();
      return null;
    }
    return { status: 404, body: { error: 'Not found' } };
  }

  private async create(x: Exchange): Promise<Reply | null> {
    const body = (x.body ?? {}) as Record<string, unknown>;
    const prompt = typeof body.promptText === 'string' ? body.promptText : '';
    const { script, fault } = this.countSubmission(prompt);
    await this.latency(script);
    if (fault) return this.fault(x, fault, this.render);
    const issues: { path: string[]; message: string }[] = [];
    const model = MODELS[String(body.model)];
    if (!model) {
      issues.push({
        path: ['model'],
        message: `Invalid enum value. Expected ${Object.keys(MODELS).join(' | ')}`,
      });
    }
    if (!prompt || prompt.length > 1000) {
      issues.push({
        path: ['promptText'],
        message: 'String must contain between 1 and 1000 characters',
      });
    }
    if (model && !model.ratios.includes(String(body.ratio))) {
      issues.push({
        path: ['ratio'],
        message: `Invalid enum value. Expected ${model.ratios.join(' | ')}`,
      });
    }
    const duration = Number(body.duration);
    if (model && (typeof body.duration !== 'number' || !model.durations(duration))) {
      issues.push({ path: ['duration'], message: 'Invalid duration for this model' });
    }
    if (issues.length > 0)
      return { status: 400, body: { error: 'Validation of body failed', issues } };
    if (this.account.outOfCredits) {
      return { status: 400, body: { error: 'You do not have enough credits to run this task.' } };
    }
    const job = this.createJob(randomUUID(), String(body.model), prompt, body, script);
    return { status: 200, body: { id: job.id, estimatedCost: { credits: this.credits(job) } } };
  }

  private credits(job: FakeJob) {
    return (MODELS[job.model]?.creditsPerSecond ?? 10) * Number(job.input.duration);
  }

  /** The task object as `GET /v1/tasks/{id}` shows it now. */
  task(job: FakeJob): Record<string, unknown> {
    const base = { id: job.id, createdAt: new Date(job.submittedAt).toISOString() };
    const estimated = { estimatedCost: { credits: this.credits(job) } };
    const phase = this.phase(job);
    // The first look at a queued task says PENDING; later ones THROTTLED (over our concurrency).
    if (phase === 'queued')
      return { ...base, status: job.polls > 1 ? 'THROTTLED' : 'PENDING', ...estimated };
    if (phase === 'running')
      return { ...base, status: 'RUNNING', ...estimated, progress: this.progress(job) };
    if (phase === 'canceled') return { ...base, status: 'CANCELLED', cost: { credits: 0 } };
    const failed = (failureCode: string, failure: string) => ({
      ...base,
      status: 'FAILED',
      cost: { credits: 0 },
      failure,
      failureCode,
    });
    switch (job.script.outcome ?? 'success') {
      case 'content_policy':
        return failed('SAFETY.INPUT.TEXT', 'Your prompt was flagged by our content moderation.');
      case 'bad_output':
        return failed('INTERNAL.BAD_OUTPUT.CODE01', 'The output did not pass our quality checks.');
      case 'invalid_input':
        return failed('INPUT.INVALID', 'The input could not be processed.');
      case 'error':
      case 'timeout':
      case 'expired':
        return failed('INTERNAL', 'An unexpected error occurred.');
      default:
        return {
          ...base,
          status: 'SUCCEEDED',
          cost: { credits: this.credits(job) },
          output: [`${this.baseUrl}/cdn/${job.id}.mp4?_jwt=signed-${job.id.slice(0, 8)}`],
        };
    }
  }
}

export async function startFakeRunway(apiSecret?: string) {
  const fake = new FakeRunway(apiSecret);
  await fake.listen();
  return fake;
}
