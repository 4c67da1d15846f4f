import type { TaskErrorCode } from '@batchreel/contracts';

// The codes are the contracts' (clients see them as `error_code`); re-exported for the executor.
export type { TaskErrorCode };

/**
 * The provider interface: one model runs on one provider. A provider turns a prompt into a video
 * URL or fails with a classified error; retries, timeouts and money are the executor's business.
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
  videoUrl: string;
  providerJobId: string | null;
}

export interface VideoProvider {
  readonly name: string;
  /** How long one attempt may take before it counts as a `timeout`. */
  readonly taskTimeoutMs: number;
  /** Generates one video. Must stop promptly when `signal` aborts. Throws `ProviderError`. */
  generate(request: VideoRequest, signal: AbortSignal): Promise<VideoResult>;
}

/**
 * A classified provider failure. `transient` ones (network, 5xx, 429, overload, timeout) are
 * retried with backoff; `permanent` ones (content policy, invalid input) never are.
 */
export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(
    readonly code: TaskErrorCode,
    message: string,
    readonly transient: boolean,
    /** A provider's own hint, e.g. from `Retry-After`. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}
