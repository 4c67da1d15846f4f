import {
  FAILURE_HANDLING,
  ProviderError,
  type ProviderFailure,
  type ResumableVideoProvider,
  type VideoRequest,
  type VideoResult,
} from './types';
import { sleep } from './wire';

/** Longest pause between polls after repeated failed status requests. */
const MAX_POLL_BACKOFF_MS = 30_000;
/** How long the best-effort cancel of an abandoned job may take. */
const CANCEL_BUDGET_MS = 5_000;

/**
 * Today's `generate()` on top of submit/poll, so the current executor runs the new adapters end
 * to end until the resumable executor (issue 15, part B) replaces it. One attempt = one submit:
 * - a failed submit throws its failure as a `ProviderError`;
 * - the job is polled every `pollIntervalMs` until it ends; a failed status request (`poll_error`)
 *   never ends the attempt (that would pay for a second job): polling goes on after the
 *   provider's `Retry-After` or a growing pause, until the job ends or `signal` aborts;
 * - a failed or canceled job throws its failure; success returns the output's URL and the job id;
 * - when `signal` aborts (the attempt's timeout), the job is canceled at the provider on a best
 *   effort basis so it stops costing money, and the abort reason is rethrown unchanged (the
 *   executor records it as `timeout`).
 *
 * The provider's output travels with the result, for the executor to copy into our store.
 */
export async function generateViaContract(
  provider: ResumableVideoProvider,
  request: VideoRequest,
  signal: AbortSignal,
  options: { pollIntervalMs: number },
): Promise<VideoResult> {
  const submitted = await provider.submit(request, signal);
  if (submitted.kind === 'failed') throw asProviderError(submitted.failure);
  const { jobId } = submitted;
  try {
    let failedPolls = 0;
    for (;;) {
      await sleep(options.pollIntervalMs, signal);
      const status = await provider.poll(jobId, signal);
      switch (status.state) {
        case 'queued':
        case 'running':
          failedPolls = 0;
          continue;
        case 'poll_error': {
          failedPolls++;
          const backoff = Math.min(options.pollIntervalMs * 2 ** failedPolls, MAX_POLL_BACKOFF_MS);
          await sleep(status.failure.retryAfterMs ?? backoff, signal);
          continue;
        }
        case 'succeeded': {
          const { output } = status;
          // Inline outputs have no URL of their own: the provider's `sourceUrl` stands in, for
          // support; the executor copies the bytes themselves into our store.
          const videoUrl = output.kind === 'url' ? output.url : (output.sourceUrl ?? null);
          return { videoUrl, providerJobId: jobId, output };
        }
        case 'failed':
          throw asProviderError(status.failure);
        case 'canceled':
          throw new ProviderError(
            'provider_error',
            'The video provider canceled this job.',
            true,
            undefined,
            `${provider.name}: job ${jobId} was canceled at the provider`,
          );
      }
    }
  } catch (error) {
    if (signal.aborted) {
      // Not awaited: the attempt is over either way, and the executor should not wait on it.
      provider.cancel(jobId, AbortSignal.timeout(CANCEL_BUDGET_MS)).catch(() => {});
      throw signal.reason;
    }
    throw error;
  }
}

/**
 * A contract failure as today's executor understands it. Account-level failures and lost jobs
 * are retried like transient ones: today's executor cannot pause a model, and a new attempt is
 * a resubmission anyway.
 */
export function asProviderError(failure: ProviderFailure): ProviderError {
  const transient = FAILURE_HANDLING[failure.code] !== 'permanent';
  return new ProviderError(
    failure.code,
    failure.message,
    transient,
    failure.retryAfterMs,
    failure.raw,
  );
}

/**
 * A signal that also aborts after `ms` (with a `TimeoutError`), so an adapter's `generate()`
 * never outlives its own attempt budget even when the caller sets none.
 */
export function withDeadline(signal: AbortSignal, ms: number): AbortSignal {
  return AbortSignal.any([signal, AbortSignal.timeout(ms)]);
}
