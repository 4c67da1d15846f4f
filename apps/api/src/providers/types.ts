import type { TaskErrorCode } from '@batchreel/contracts';

// The codes are the contracts' (clients see them as `error_code`); re-exported for the executor.
export type { TaskErrorCode };

/**
 * The provider interfaces. One model runs on one provider (`models.provider`).
 *
 * Two shapes live side by side while the executor is rebuilt (issue 15):
 * - `VideoProvider.generate()`: one call that submits, waits and returns a URL; what today's
 *   executor calls. Adapters on the new contract implement it with `generateViaContract`.
 * - `ResumableVideoProvider`: `submit` / `poll` / `cancel` / `fetchOutput`, so a worker can store
 *   the provider's job id and resume watching it after a crash instead of paying for a second job.
 *
 * Retries, timeouts, pausing a model and money are the executor's business; a provider only says
 * what happened, in one failure taxonomy (`ProviderFailure`).
 */
export interface VideoRequest {
  taskId: string;
  prompt: string;
  /** The provider's own name for the model. */
  providerModel: string;
  parameters: { seconds: number; size: string };
  /** 1 for the first try; providers may use it (the simulator's `[sim:flaky]` does). */
  attempt: number;
}

export interface VideoResult {
  /** Where the provider has the video (kept for support; clients get Batchreel's own link). */
  videoUrl: string | null;
  providerJobId: string | null;
  /**
   * The finished video as the provider delivers it, for the executor to copy into Batchreel's
   * store (`persistOutput`) before the task succeeds. Absent: only `videoUrl` is known.
   */
  output?: ProviderOutput;
  /** Length of the video, when the provider reports it. */
  durationSeconds?: number;
}

export interface VideoProvider {
  readonly name: string;
  /** How long one attempt may take before it counts as a `timeout`. */
  readonly taskTimeoutMs: number;
  /** Generates one video. Must stop promptly when `signal` aborts. Throws `ProviderError`. */
  generate(request: VideoRequest, signal: AbortSignal): Promise<VideoResult>;
}

/**
 * One failure taxonomy across providers; each adapter maps its provider's statuses onto it
 * (docs/providers.md has the tables). What the executor does with each:
 */
export const PROVIDER_FAILURE_CODES = [
  /** Refused for content. Permanent: refund, never retry. */
  'content_policy',
  /** The request cannot succeed as sent. Permanent: refund, never retry. */
  'invalid_input',
  /** Transient: retry with backoff, after `retryAfterMs` when the provider said. */
  'rate_limited',
  /** Transient: the provider failed (5xx, a failed generation that may work next time). */
  'provider_error',
  /** Transient: the provider could not be reached, or the connection broke. */
  'network_error',
  /** Transient: the provider did not answer (or finish) in time. */
  'timeout',
  /**
   * Account-level, not the task's fault: our key is refused, our credits at the provider ran out,
   * the model is gone, or the whole provider is down. The model pauses and its tasks wait; only
   * after a configurable bound do they fail (and are refunded).
   */
  'provider_unavailable',
  /** The provider no longer knows the job (expired, deleted): resubmit once, then fail. */
  'lost',
] as const;

export type ProviderFailureCode = (typeof PROVIDER_FAILURE_CODES)[number];

/** How the executor treats a failure code (see `PROVIDER_FAILURE_CODES`). */
export type FailureHandling = 'permanent' | 'transient' | 'account' | 'resubmit';

export const FAILURE_HANDLING: Record<ProviderFailureCode, FailureHandling> = {
  content_policy: 'permanent',
  invalid_input: 'permanent',
  rate_limited: 'transient',
  provider_error: 'transient',
  network_error: 'transient',
  timeout: 'transient',
  provider_unavailable: 'account',
  lost: 'resubmit',
};

/** A classified failure, as a value (contract methods do not throw for provider problems). */
export interface ProviderFailure {
  code: ProviderFailureCode;
  /** Human and safe to show the customer: no provider internals, account details or keys. */
  message: string;
  /**
   * The provider's own reason for support (HTTP status, its error type and text, trimmed);
   * API keys are redacted. Never shown to customers.
   */
  raw: string;
  /** The provider's own wait hint (`Retry-After`, Google's `RetryInfo`), in milliseconds. */
  retryAfterMs?: number;
  /**
   * At most this many further attempts are worth making, when the provider says so (Runway's
   * `INTERNAL.BAD_OUTPUT.*`: retry once). Absent: the executor's own policy decides.
   */
  retryLimit?: number;
}

/**
 * What a provider reports about what a job cost it, in its own units (for provider cost
 * tracking; nothing here touches the ledger).
 */
export interface ProviderUsage {
  /** A charge in the provider's own currency, e.g. `{ amount: 40, currency: 'runway_credits' }`. */
  cost?: { amount: number; currency: string };
  /**
   * Metered quantities the provider bills by, in its units, e.g. `output_tokens` (Gemini),
   * `predict_seconds` (Replicate), `inference_seconds` (fal), `video_seconds`.
   */
  metered?: Record<string, number>;
}

/** Where a finished video is. */
export type ProviderOutput =
  | {
      kind: 'url';
      url: string;
      /** When the provider deletes it (Replicate: 1 h; Runway: 24–48 h), when known. */
      expiresAt?: Date;
      contentType?: string;
      /**
       * Fetching it needs our provider key (`fetchOutput` sends it): never hand this URL to a
       * customer. False for public CDN links.
       */
      needsProviderKey: boolean;
    }
  | {
      kind: 'inline';
      /** The video itself, base64, as the provider sent it (Gemini: up to about 4 MB). */
      data: string;
      contentType: string;
      /** Where the provider serves this result again (needs the key), for reference. */
      sourceUrl?: string;
    };

export type SubmitResult =
  | {
      kind: 'submitted';
      /** Opaque; store it and give it back to `poll`/`cancel` (it may encode more than an id). */
      jobId: string;
      /** The provider's own estimate at submission (Runway: `estimatedCost`). */
      estimatedUsage?: ProviderUsage;
    }
  | {
      kind: 'failed';
      /**
       * Nothing was created when the code is permanent, `rate_limited` or `provider_unavailable`.
       * After `network_error`, `timeout` or a 5xx the provider may have created a job whose id we
       * never saw (no provider offers an idempotency key): the attempt counts as one submission.
       */
      failure: ProviderFailure;
    };

export type JobStatus =
  | { state: 'queued'; position?: number }
  | { state: 'running'; progress?: number }
  | { state: 'succeeded'; output: ProviderOutput; usage?: ProviderUsage }
  | { state: 'failed'; failure: ProviderFailure; usage?: ProviderUsage }
  | { state: 'canceled'; usage?: ProviderUsage }
  /**
   * The status request itself failed (network, 429, 5xx, key refused): the job's state is not
   * known this time and the job is still the provider's. Poll again later (after
   * `failure.retryAfterMs` when given; pause the model on `provider_unavailable`); never treat it
   * as the job failing, which would pay for a second job.
   */
  | { state: 'poll_error'; failure: ProviderFailure };

export type CancelResult = 'canceled' | 'not_cancellable' | 'unknown';

/** A video being downloaded: a stream, never the whole file in memory. */
export interface FetchedOutput {
  stream: ReadableStream<Uint8Array>;
  contentType: string;
  contentLength?: number;
}

export type FetchOutputResult =
  | ({ kind: 'fetched' } & FetchedOutput)
  /** `lost` when the output is gone (expired link): poll again for a fresh one, or resubmit. */
  | { kind: 'failed'; failure: ProviderFailure };

/**
 * The resumable provider contract. Every method returns provider problems as values; the only
 * rejection is `signal.reason` when `signal` aborts (the caller's own deadline or shutdown).
 * No method retries by itself: the executor decides, so a submit is sent exactly once per call.
 */
export interface ResumableVideoProvider extends VideoProvider {
  /** A sensible pause between polls of one job, as the provider asks (Runway: ≥ 5 s). */
  readonly pollIntervalMs: number;
  /** Creates the provider job. Sent once; the task id travels where the provider allows it. */
  submit(request: VideoRequest, signal: AbortSignal): Promise<SubmitResult>;
  /** One status request. */
  poll(jobId: string, signal: AbortSignal): Promise<JobStatus>;
  /** Asks the provider to stop the job (so it stops charging). */
  cancel(jobId: string, signal: AbortSignal): Promise<CancelResult>;
  /** Streams a finished video from wherever `poll` said it is. */
  fetchOutput(output: ProviderOutput, signal: AbortSignal): Promise<FetchOutputResult>;
}

export function isResumable(provider: VideoProvider): provider is ResumableVideoProvider {
  return 'submit' in provider && typeof provider.submit === 'function';
}

/**
 * A classified provider failure, thrown by `generate()`. `transient` ones (network, 5xx, 429,
 * overload, timeout) are retried with backoff; `permanent` ones (content policy, invalid input)
 * never are.
 */
export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(
    readonly code: TaskErrorCode,
    message: string,
    readonly transient: boolean,
    /** A provider's own hint, e.g. from `Retry-After`. */
    readonly retryAfterMs?: number,
    /** The provider's own reason (redacted), for support; not for customers. */
    readonly raw?: string,
  ) {
    super(message);
  }
}
