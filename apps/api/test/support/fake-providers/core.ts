import { randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The machinery the four fake providers share: a real HTTP server on loopback, request
 * recording, per-prompt scripts, job clocks, submission counts and video files. Each fake
 * (`fal.ts`, `replicate.ts`, `runway.ts`, `gemini.ts`) speaks its provider's own protocol on top:
 * paths, headers, bodies, status values, error shapes. The adapters talk HTTP to them exactly as
 * to the real providers.
 */

/** A scripted answer instead of the protocol's normal one. */
export type FakeFault =
  /** The provider's own 429, with `Retry-After` (seconds) as it sends it. */
  | { rateLimited: number }
  /** The provider's own 5xx body. */
  | { serverError: number }
  /** The socket is destroyed without an answer (a reset mid-request). */
  | 'reset'
  /** No answer at all until the server closes. */
  | 'hang'
  /** Exactly this HTTP answer. */
  | { status: number; body?: unknown; headers?: Record<string, string> };

/** How a job ends once it has run. Each fake expresses these in its own protocol. */
export type FakeOutcome =
  | 'success'
  /** Refused for content (fal: 422 naming the field; Runway: SAFETY.*; …). */
  | 'content_policy'
  /** The model rejected the input while running (the request shape itself was accepted). */
  | 'invalid_input'
  /** The generation failed on the provider's side. */
  | 'error'
  /** The provider's own time limit ended it (fal `request_timeout`). */
  | 'timeout'
  /** Runway's `INTERNAL.BAD_OUTPUT.*`. */
  | 'bad_output'
  /** Finished, but its result has expired (fal/Replicate delete results after a while). */
  | 'expired';

/** Behaviour of every job whose prompt contains the script's tag. */
export interface JobScript {
  /** Answers to successive submissions of matching prompts; the normal answer after them. */
  submit?: FakeFault[];
  /** Answers to successive status requests of one job; the normal answer after them. */
  poll?: FakeFault[];
  /** Answers to successive result requests (fal's separate result call). */
  result?: FakeFault[];
  /** Time in the queue after submission (ms, default 0). */
  queueMs?: number;
  /** Time running after the queue (ms, default 0); `Infinity`: never finishes. */
  runMs?: number;
  outcome?: FakeOutcome;
  /** Extra delay before every answer about this job. */
  latencyMs?: number;
  /** Bytes of the video it produces (default 64 KiB). */
  videoBytes?: number;
  /**
   * The output link dies this long after the job finished (403, as an expired signed link
   * answers): providers delete outputs after an hour or a day; tests use a second.
   */
  outputTtlMs?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** `performance.now()` on arrival. */
  at: number;
}

export interface FakeJob {
  id: string;
  /** The model the job was submitted for, as the provider names it. */
  model: string;
  prompt: string;
  /** The submitted request body as received. */
  input: Record<string, unknown>;
  script: JobScript;
  submittedAt: number;
  canceledAt?: number;
  deleted?: boolean;
  /** Status requests so far (scripted faults included). */
  polls: number;
  results: number;
  video: Buffer;
}

export type JobPhase = 'queued' | 'running' | 'done' | 'canceled';

/** Server-wide conditions, as a provider's account or platform would have them. */
export interface FakeAccount {
  /** Our balance at the provider is spent: submits are refused the provider's way. */
  outOfCredits: boolean;
  /** Our key is refused (revoked, suspended): every request gets the provider's bad-key answer. */
  keyRefused: boolean;
  /** Every request answers this (a provider-wide outage), until set back to null. */
  outage: FakeFault | null;
}

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  raw: string;
}

/** Something a fake's route answered: JSON with a status and headers. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Stand-in MP4 start (an `ftyp` box header) so content sniffing sees a video. */
const FTYP = Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex');

export class FakeProviderCore {
  readonly requests: RecordedRequest[] = [];
  readonly jobs = new Map<string, FakeJob>();
  readonly account: FakeAccount = { outOfCredits: false, keyRefused: false, outage: null };
  /** Submissions per prompt, counted before any scripted fault (a 5xx'd POST still arrived). */
  readonly submissionsByPrompt = new Map<string, number>();
  /** Videos served, and downloads refused because the link had died (`outputTtlMs`). */
  downloads = 0;
  expiredDownloads = 0;
  private readonly scripts: { tag: string; script: JobScript }[] = [];
  private readonly submitCalls = new Map<JobScript, number>();
  private server = createServer((req, res) => {
    this.handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) this.json(res, { status: 500, body: { fake: String(error) } });
    });
  });
  baseUrl = '';

  constructor(
    private readonly route: (exchange: Exchange) => Promise<Reply | null> | Reply | null,
  ) {}

  async listen() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close() {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Scripts every job whose prompt contains `tag` (`''`: every job); the latest match wins. */
  script(tag: string, script: JobScript) {
    this.scripts.push({ tag, script });
  }

  scriptFor(prompt: string): JobScript {
    for (let i = this.scripts.length - 1; i >= 0; i--) {
      const entry = this.scripts[i];
      if (entry && prompt.includes(entry.tag)) return entry.script;
    }
    return {};
  }

  /** Submissions whose prompt contains `match`. */
  submissions(match: string) {
    let count = 0;
    for (const [prompt, n] of this.submissionsByPrompt) if (prompt.includes(match)) count += n;
    return count;
  }

  /**
   * Counts a submission and says whether a scripted fault answers it instead of the protocol.
   * Call it as soon as the prompt is known: a submission that gets a 5xx still reached us.
   */
  countSubmission(prompt: string): { script: JobScript; fault: FakeFault | undefined } {
    this.submissionsByPrompt.set(prompt, (this.submissionsByPrompt.get(prompt) ?? 0) + 1);
    const script = this.scriptFor(prompt);
    const call = this.submitCalls.get(script) ?? 0;
    this.submitCalls.set(script, call + 1);
    return { script, fault: script.submit?.[call] };
  }

  createJob(
    id: string,
    model: string,
    prompt: string,
    input: Record<string, unknown>,
    script: JobScript,
  ): FakeJob {
    const size = script.videoBytes ?? 64 * 1024;
    const job: FakeJob = {
      id,
      model,
      prompt,
      input,
      script,
      submittedAt: Date.now(),
      polls: 0,
      results: 0,
      video: Buffer.concat([FTYP, randomBytes(Math.max(0, size - FTYP.length))]),
    };
    this.jobs.set(id, job);
    return job;
  }

  /** Where a job is on its clock. */
  phase(job: FakeJob): JobPhase {
    if (job.canceledAt !== undefined) return 'canceled';
    const elapsed = Date.now() - job.submittedAt;
    const queue = job.script.queueMs ?? 0;
    if (elapsed < queue) return 'queued';
    if (elapsed < queue + (job.script.runMs ?? 0)) return 'running';
    return 'done';
  }

  /** Fraction of its run a running job has done (0–1). */
  progress(job: FakeJob) {
    const run = job.script.runMs ?? 0;
    if (!Number.isFinite(run) || run <= 0) return 0;
    const into = Date.now() - job.submittedAt - (job.script.queueMs ?? 0);
    return Math.max(0, Math.min(0.99, into / run));
  }

  /** The next scripted fault for a status request of `job` (and counts the request). */
  pollFault(job: FakeJob): FakeFault | undefined {
    const index = job.polls++;
    return job.script.poll?.[index];
  }

  resultFault(job: FakeJob): FakeFault | undefined {
    const index = job.results++;
    return job.script.result?.[index];
  }

  async latency(script: JobScript | undefined) {
    const ms = script?.latencyMs;
    if (ms) await new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Serves a job's video as a CDN would: `video/mp4`, with its length, in chunks. */
  serveVideo(res: ServerResponse, job: FakeJob) {
    const ttl = job.script.outputTtlMs;
    const finishedAt = job.submittedAt + (job.script.queueMs ?? 0) + (job.script.runMs ?? 0);
    if (ttl !== undefined && Date.now() > finishedAt + ttl) {
      this.expiredDownloads++;
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
      return;
    }
    this.downloads++;
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': job.video.length });
    const chunk = 16 * 1024;
    for (let offset = 0; offset < job.video.length; offset += chunk) {
      res.write(job.video.subarray(offset, offset + chunk));
    }
    res.end();
  }

  json(res: ServerResponse, reply: Reply) {
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
    res.writeHead(reply.status, {
      'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json',
      ...reply.headers,
    });
    res.end(text);
  }

  /**
   * Answers a fault: a reset or a hang here, anything else through `render`, which turns
   * `rateLimited`/`serverError` into the provider's own bodies.
   */
  fault(exchange: Exchange, fault: FakeFault, render: (fault: FakeFault) => Reply): null {
    if (fault === 'reset') {
      exchange.req.socket.destroy();
      return null;
    }
    if (fault === 'hang') return null;
    this.json(exchange.res, render(fault));
    return null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      at: performance.now(),
    });
    const exchange: Exchange = {
      req,
      res,
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      body,
      raw,
    };
    const reply = await this.route(exchange);
    if (reply) this.json(res, reply);
  }
}
