import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * How the fake answers one request:
 * - `'ok'`: what a healthy provider says (the protocol's normal answer);
 * - `{ status, body?, headers? }`: exactly this HTTP answer (a string body is sent as is);
 * - `'destroy'`: the socket is destroyed without an answer (a reset mid-request);
 * - `'hang'`: no answer at all until the server closes.
 */
export type FakeReply =
  | 'ok'
  | 'destroy'
  | 'hang'
  | { status: number; body?: unknown; headers?: Record<string, string> };

/** Behaviour for every job whose prompt contains the scripted text. */
export interface FakeScenario {
  /** Answers to successive `POST /videos` calls for this scenario; `'ok'` once exhausted. */
  create?: FakeReply[];
  /** Answers to successive `GET /videos/{id}` calls of one job; `'ok'` once exhausted. */
  poll?: FakeReply[];
  /** `'ok'` polls answering `in_progress` before the job ends; default 1, `Infinity` = never. */
  pollsUntilDone?: number;
  /** The job ends `failed` with this error instead of `completed`. */
  failure?: { code: string; message: string };
  /** Every answer for this scenario is delayed so long (a slow provider). */
  delayMs?: number;
}

/** One request as the fake received it. */
export interface RecordedRequest {
  method: string;
  /** Path without the `/v1` prefix, e.g. `/videos/vid_1`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when there was none. */
  body: unknown;
  /** `performance.now()` on arrival, to measure poll spacing. */
  at: number;
}

export interface FakeVideosServer {
  /** `http://127.0.0.1:<port>/v1` */
  baseUrl: string;
  /** The key the fake accepts; any other bearer token gets a 401 that echoes it (as OpenAI does). */
  apiKey: string;
  /** Every request received, in order of arrival. */
  requests: RecordedRequest[];
  /** Scripts prompts containing `match`; the latest matching script wins. */
  script(match: string, scenario: FakeScenario): void;
  close(): Promise<void>;
}

interface Job {
  id: string;
  model: string;
  prompt: string;
  scenario: FakeScenario;
  /** Calls to `GET /videos/{id}` so far (scripted replies included). */
  polls: number;
  /** `'ok'` polls so far: what `pollsUntilDone` counts. */
  progressed: number;
  createdAt: number;
}

/** Stand-in bytes for an MP4 (an `ftyp` box header is enough for a content check). */
export const FAKE_MP4 = Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex');

/**
 * A real HTTP server on 127.0.0.1 that speaks the OpenAI-style videos protocol
 * (`POST /v1/videos`, `GET /v1/videos/{id}`, `GET /v1/videos/{id}/content`), so the HTTP adapter
 * is tested over real sockets — timeouts, resets and aborts included — rather than a mocked fetch.
 */
export async function startFakeVideosServer(
  options: { apiKey?: string } = {},
): Promise<FakeVideosServer> {
  const apiKey = options.apiKey ?? 'sk-fake-key';
  const requests: RecordedRequest[] = [];
  const scripts: { match: string; scenario: FakeScenario }[] = [];
  const createCalls = new Map<FakeScenario, number>();
  const jobs = new Map<string, Job>();

  function scenarioFor(prompt: string): FakeScenario {
    for (let i = scripts.length - 1; i >= 0; i--) {
      const entry = scripts[i];
      if (entry && prompt.includes(entry.match)) return entry.scenario;
    }
    return {};
  }

  function jobObject(job: Job) {
    const done = job.progressed >= (job.scenario.pollsUntilDone ?? 1);
    const base = { id: job.id, object: 'video', model: job.model, created_at: job.createdAt };
    if (!done) {
      const status = job.progressed === 0 && job.polls === 0 ? 'queued' : 'in_progress';
      return { ...base, status, progress: Math.min(99, job.progressed * 10) };
    }
    if (job.scenario.failure) {
      return { ...base, status: 'failed', progress: 100, error: job.scenario.failure };
    }
    return { ...base, status: 'completed', progress: 100 };
  }

  async function answer(req: IncomingMessage, res: ServerResponse) {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/^\/v1/, '');
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    requests.push({ method: req.method ?? '', path, headers: req.headers, body, at: now() });

    const presented = req.headers.authorization ?? '';
    if (presented !== `Bearer ${apiKey}`) {
      // OpenAI echoes the presented key in its 401 message; the adapter must not pass it on.
      const token = presented.replace(/^Bearer /, '');
      return send(res, 401, {
        error: {
          message: `Incorrect API key provided: ${token}. You can find your API key in the dashboard.`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      });
    }

    if (req.method === 'POST' && path === '/videos') {
      const input = (body ?? {}) as { model?: unknown; prompt?: unknown };
      const prompt = typeof input.prompt === 'string' ? input.prompt : '';
      const scenario = scenarioFor(prompt);
      const call = createCalls.get(scenario) ?? 0;
      createCalls.set(scenario, call + 1);
      const reply = scenario.create?.[call] ?? 'ok';
      await pause(scenario.delayMs);
      if (reply !== 'ok') return scripted(req, res, reply);
      const job: Job = {
        id: `video_${randomUUID().replaceAll('-', '')}`,
        model: typeof input.model === 'string' ? input.model : '',
        prompt,
        scenario,
        polls: 0,
        progressed: 0,
        createdAt: Math.floor(Date.now() / 1000),
      };
      jobs.set(job.id, job);
      return send(res, 200, jobObject(job));
    }

    const match = /^\/videos\/([^/]+)(\/content)?$/.exec(path);
    const job = match?.[1] ? jobs.get(decodeURIComponent(match[1])) : undefined;
    if (req.method === 'GET' && match && job) {
      if (match[2]) {
        if (jobObject(job).status !== 'completed') {
          return send(res, 404, { error: { message: 'Video is not ready.', code: 'not_found' } });
        }
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': FAKE_MP4.length });
        res.end(FAKE_MP4);
        return;
      }
      const reply = job.scenario.poll?.[job.polls] ?? 'ok';
      job.polls++;
      await pause(job.scenario.delayMs);
      if (reply !== 'ok') return scripted(req, res, reply);
      job.progressed++;
      return send(res, 200, jobObject(job));
    }
    return send(res, 404, { error: { message: `No route for ${req.method} ${path}.` } });
  }

  const server = createServer((req, res) => {
    answer(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { error: { message: String(error) } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    apiKey,
    requests,
    script(match, scenario) {
      scripts.push({ match, scenario });
    },
    async close() {
      // Hanging answers would otherwise keep close() waiting forever.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function scripted(req: IncomingMessage, res: ServerResponse, reply: Exclude<FakeReply, 'ok'>) {
  if (reply === 'destroy') {
    req.socket.destroy();
    return;
  }
  if (reply === 'hang') return;
  send(res, reply.status, reply.body ?? { error: { message: `Scripted ${reply.status}.` } }, {
    ...reply.headers,
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const type = typeof body === 'string' ? 'text/html' : 'application/json';
  res.writeHead(status, { 'content-type': type, ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function pause(ms: number | undefined) {
  return ms ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

function now() {
  return performance.now();
}
