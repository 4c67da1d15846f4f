import { randomUUID } from 'node:crypto';
import {
  type Exchange,
  type FakeFault,
  type FakeJob,
  FakeProviderCore,
  type JobScript,
  type Reply,
} from './core';

/** The key the fake accepts, in fal's `key_id:key_secret` form. */
export const FAL_TEST_KEY = 'fal-key-id-7f3a:fal-secret-SECRET-91c4e2';

/**
 * fal.ai's queue API as research-15 documents it:
 * - `POST /{owner}/{app}[/{path}]` → 200 `{ status: IN_QUEUE, request_id, queue_position, *_url }`;
 * - `GET /{owner}/{app}/requests/{id}/status` (sub-path dropped) → 202 `IN_QUEUE` /
 *   `IN_PROGRESS`, 200 `COMPLETED`; a failed request is `COMPLETED` with `error`/`error_type`;
 * - `GET /{owner}/{app}/requests/{id}` → the output, or the model's own error (422 `detail[]`
 *   naming the flagged field, 5xx with `X-Fal-Error-Type`), 400 while still running;
 * - `PUT …/requests/{id}/cancel` → 200 `OK`, 202 `CANCELLATION_REQUESTED`, 400
 *   `ALREADY_COMPLETED`, 404 `NOT_FOUND`;
 * - `Authorization: Key <key>`; 401 for an unknown key, 403 "User is locked" once the balance is
 *   spent (status requests still work then). Videos are served at `/files/{id}/output.mp4`, a
 *   public CDN link as on `v3.fal.media`.
 */
export class FakeFal extends FakeProviderCore {
  constructor(readonly apiKey = FAL_TEST_KEY) {
    super((exchange) => this.answer(exchange));
  }

  /** Model input validation fal's Veo 3.1 endpoints apply (others accept any input with a prompt). */
  private validate(model: string, input: Record<string, unknown>) {
    const issues: { loc: string[]; msg: string; type: string }[] = [];
    if (typeof input.prompt !== 'string' || input.prompt === '') {
      issues.push({ loc: ['body', 'prompt'], msg: 'Field required', type: 'missing' });
    }
    if (/^fal-ai\/veo3/.test(model)) {
      const enums: Record<string, string[]> = {
        aspect_ratio: ['16:9', '9:16'],
        duration: ['4s', '6s', '8s'],
        resolution: ['720p', '1080p', '4k'],
      };
      for (const [field, allowed] of Object.entries(enums)) {
        if (field in input && !allowed.includes(input[field] as string)) {
          issues.push({
            loc: ['body', field],
            msg: `Input should be ${allowed.map((a) => `'${a}'`).join(', ')}`,
            type: 'literal_error',
          });
        }
      }
    }
    return issues;
  }

  private render = (fault: FakeFault): Reply => {
    if (typeof fault === 'object' && 'rateLimited' in fault) {
      return {
        status: 429,
        body: { detail: 'Rate limit exceeded' },
        headers: { 'retry-after': String(fault.rateLimited) },
      };
    }
    if (typeof fault === 'object' && 'serverError' in fault) {
      return {
        status: fault.serverError,
        body: { detail: 'Runner scheduling failure', error_type: 'runner_scheduling_failure' },
        headers: { 'x-fal-error-type': 'runner_scheduling_failure' },
      };
    }
    if (typeof fault === 'object' && 'status' in fault) {
      return { status: fault.status, body: fault.body, headers: fault.headers ?? {} };
    }
    return { status: 500, body: { detail: 'unexpected fault' } };
  };

  private urls(app: string, id: string) {
    const base = `${this.baseUrl}/${app}/requests/${id}`;
    return { response_url: base, status_url: `${base}/status`, cancel_url: `${base}/cancel` };
  }

  private async answer(x: Exchange): Promise<Reply | null> {
    // The CDN: public, no key.
    const file = /^\/files\/([^/]+)\/output\.mp4$/.exec(x.path);
    if (file && x.method === 'GET') {
      const job = this.jobs.get(decodeURIComponent(file[1] ?? ''));
      if (!job) return { status: 404, body: 'Not Found' };
      this.serveVideo(x.res, job);
      return null;
    }
    if (this.account.outage) return this.fault(x, this.account.outage, this.render);

    const authorization = String(x.req.headers.authorization ?? '');
    if (!authorization.startsWith('Key ') || !authorization.includes(':')) {
      return {
        status: 401,
        body: {
          detail: "Invalid Key Authorization header format. Expected '<key_id>:<key_secret>'.",
        },
      };
    }
    if (authorization !== `Key ${this.apiKey}` || this.account.keyRefused) {
      return { status: 401, body: { detail: 'No user found for Key ID and Secret' } };
    }

    const request = /^\/([^/]+)\/([^/]+)\/requests\/([^/]+)(\/status|\/cancel)?$/.exec(x.path);
    if (request) {
      const app = `${request[1]}/${request[2]}`;
      const job = this.jobs.get(decodeURIComponent(request[3] ?? ''));
      // Requests are addressed under the app id; another app's prefix does not find them.
      if (!job || (!job.model.startsWith(`${app}/`) && job.model !== app)) {
        return request[4] === '/cancel'
          ? { status: 404, body: { status: 'NOT_FOUND' } }
          : { status: 404, body: { detail: 'Request not found' } };
      }
      await this.latency(job.script);
      if (request[4] === '/status' && x.method === 'GET') return this.status(x, app, job);
      if (request[4] === '/cancel' && x.method === 'PUT') return this.cancel(job);
      if (!request[4] && x.method === 'GET') return this.result(x, job);
      return { status: 405, body: { detail: 'Method Not Allowed' } };
    }

    if (x.method === 'POST') return this.submit(x);
    return { status: 404, body: { detail: 'Not Found' } };
  }

  private async submit(x: Exchange): Promise<Reply | null> {
    const model = x.path.replace(/^\//, '');
    if (model.split('/').length < 2)
      return { status: 404, body: { detail: 'Application not found' } };
    if (!String(x.req.headers['content-type']).startsWith('application/json')) {
      return { status: 415, body: { detail: 'Unsupported Media Type' } };
    }
    if (typeof x.body !== 'object' || x.body === null || Array.isArray(x.body)) {
      return {
        status: 422,
        body: { detail: [{ loc: ['body'], msg: 'Input should be an object', type: 'model_type' }] },
      };
    }
    const input = x.body as Record<string, unknown>;
    const prompt = typeof input.prompt === 'string' ? input.prompt : '';
    const { script, fault } = this.countSubmission(prompt);
    await this.latency(script);
    if (this.account.outOfCredits) {
      return {
        status: 403,
        body: {
          detail:
            'User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing.',
        },
      };
    }
    if (fault) return this.fault(x, fault, this.render);
    const id = randomUUID();
    const [owner, app] = model.split('/');
    const job = this.createJob(id, model, prompt, input, script);
    return {
      status: 200,
      body: {
        status: 'IN_QUEUE',
        request_id: job.id,
        queue_position: this.queuePosition(job),
        ...this.urls(`${owner}/${app}`, job.id),
      },
      headers: { 'x-fal-request-id': job.id },
    };
  }

  private queuePosition(job: FakeJob) {
    return [...this.jobs.values()].filter(
      (other) => other.submittedAt < job.submittedAt && this.phase(other) === 'queued',
    ).length;
  }

  private status(x: Exchange, app: string, job: FakeJob): Reply | null {
    const fault = this.pollFault(job);
    if (fault) return this.fault(x, fault, this.render);
    const urls = this.urls(app, job.id);
    const phase = this.phase(job);
    if (phase === 'queued') {
      return {
        status: 202,
        body: {
          status: 'IN_QUEUE',
          request_id: job.id,
          queue_position: this.queuePosition(job),
          ...urls,
        },
      };
    }
    if (phase === 'running') {
      return {
        status: 202,
        body: {
          status: 'IN_PROGRESS',
          request_id: job.id,
          response_url: urls.response_url,
          logs: [
            {
              message: 'Generating',
              level: 'INFO',
              source: 'USER',
              timestamp: new Date().toISOString(),
            },
          ],
        },
      };
    }
    const completed = {
      status: 'COMPLETED',
      request_id: job.id,
      response_url: urls.response_url,
      logs: [],
    };
    if (phase === 'canceled') {
      return {
        status: 200,
        body: {
          ...completed,
          error: 'Request was cancelled by the user',
          error_type: 'request_cancelled',
        },
      };
    }
    const error = this.failure(job);
    if (error) {
      return {
        status: 200,
        body: { ...completed, error: JSON.stringify(error.body), error_type: error.type },
      };
    }
    return { status: 200, body: { ...completed, metrics: { inference_time: 41.2 } } };
  }

  /** What a finished job's result call answers when the job failed (null: it succeeded). */
  private failure(job: FakeJob): { reply: Reply; body: unknown; type: string } | null {
    const outcome = job.script.outcome ?? 'success';
    const issues = this.validate(job.model, job.input);
    if (issues.length > 0 || outcome === 'invalid_input') {
      const detail = issues.length
        ? issues
        : [
            {
              loc: ['body', 'duration'],
              msg: 'Duration is not supported for this resolution',
              type: 'value_error',
            },
          ];
      return {
        reply: { status: 422, body: { detail } },
        body: { detail },
        type: 'validation_error',
      };
    }
    if (outcome === 'content_policy') {
      const detail = [
        {
          loc: ['body', 'prompt'],
          msg: 'The content could not be processed because it contained material flagged by a content checker.',
          type: 'content_policy_violation',
          url: 'https://docs.fal.ai/errors#content_policy_violation',
          input: job.prompt,
          categories: ['violence'],
        },
      ];
      return {
        reply: { status: 422, body: { detail } },
        body: { detail },
        type: 'validation_error',
      };
    }
    if (outcome === 'error' || outcome === 'bad_output') {
      const body = { detail: 'Internal Server Error', error_type: 'internal_server_error' };
      return {
        reply: { status: 500, body, headers: { 'x-fal-error-type': 'internal_server_error' } },
        body,
        type: 'internal_server_error',
      };
    }
    if (outcome === 'timeout') {
      const body = { detail: 'Request timed out', error_type: 'request_timeout' };
      return {
        reply: { status: 504, body, headers: { 'x-fal-error-type': 'request_timeout' } },
        body,
        type: 'request_timeout',
      };
    }
    return null;
  }

  private result(x: Exchange, job: FakeJob): Reply | null {
    const fault = this.resultFault(job);
    if (fault) return this.fault(x, fault, this.render);
    const phase = this.phase(job);
    if (phase === 'queued' || phase === 'running') {
      return { status: 400, body: { detail: 'Request is still in progress' } };
    }
    if (phase === 'canceled') return { status: 400, body: { detail: 'Request was cancelled' } };
    if (job.script.outcome === 'expired')
      return { status: 404, body: { detail: 'Request not found' } };
    const error = this.failure(job);
    if (error) return error.reply;
    return {
      status: 200,
      body: {
        video: {
          url: `${this.baseUrl}/files/${job.id}/output.mp4`,
          content_type: 'video/mp4',
          file_name: 'output.mp4',
          file_size: job.video.length,
        },
      },
      headers: { 'x-fal-request-id': job.id },
    };
  }

  private cancel(job: FakeJob): Reply {
    const phase = this.phase(job);
    if (phase === 'done' || phase === 'canceled')
      return { status: 400, body: { status: 'ALREADY_COMPLETED' } };
    job.canceledAt = Date.now();
    return phase === 'queued'
      ? { status: 200, body: { status: 'OK' } }
      : { status: 202, body: { status: 'CANCELLATION_REQUESTED' } };
  }
}

export async function startFakeFal(apiKey?: string) {
  const fake = new FakeFal(apiKey);
  await fake.listen();
  return fake;
}

export type { JobScript };
