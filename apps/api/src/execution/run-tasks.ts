import type { Database } from '@batchreel/db';
import type { Job } from 'pg-boss';
import type { Logger } from '../platform/logger';
import type { Queue } from '../platform/queue';
import type { ProviderRegistry } from '../providers/registry';
import { ProviderError } from '../providers/types';
import { recordOutcomes, type TaskOutcome } from './finalize';

export interface RetryPolicy {
  /** Attempts a task gets for transient errors (timeouts included) before it finally fails. */
  maxAttempts: number;
  /** First retry delay; doubles with every attempt, with ±20 % jitter. */
  baseDelayMs: number;
}

export interface TaskRunnerDeps {
  db: Database;
  queue: Queue;
  providers: ProviderRegistry;
  retry: RetryPolicy;
  logger: Logger;
}

/**
 * Runs a fetched batch of `task-run` jobs: marks the tasks running, calls each task's provider
 * with a per-attempt timeout, classifies what happened, and records every outcome in one
 * transaction (`recordOutcomes`). Idempotent: tasks that are already terminal — a duplicate
 * delivery, a canceled batch — are skipped, and a task left `running` by a crashed worker is
 * simply run again.
 */
export async function runTaskJobs(
  deps: TaskRunnerDeps,
  jobList: Job<{ taskId: string; batchId: string }>[],
) {
  const ids = [...new Set(jobList.map((job) => job.data.taskId))];
  const started = await deps.db.$queryRaw<
    {
      id: string;
      batch_id: string;
      prompt: string;
      model: string;
      parameters: { seconds: number; size: string };
      attempts: number;
      provider: string | null;
      provider_model: string | null;
    }[]
  >`
    UPDATE video_tasks AS t
       SET status = 'running', attempts = t.attempts + 1,
           started_at = COALESCE(t.started_at, now()), updated_at = now()
      FROM batch_jobs AS b, models AS m
     WHERE t.id = ANY(${ids}::uuid[]) AND t.status IN ('queued', 'running')
       AND b.id = t.batch_id AND b.status = 'processing' AND m.id = t.model
    RETURNING t.id, t.batch_id, t.prompt, t.model, t.parameters, t.attempts, m.provider, m.provider_model`;

  const outcomes = await Promise.all(
    started.map(async (task): Promise<TaskOutcome> => {
      const provider = deps.providers.get(task.provider ?? '');
      if (!provider) {
        return {
          kind: 'failed',
          taskId: task.id,
          batchId: task.batch_id,
          code: 'provider_error',
          message: `No provider "${task.provider}" is configured for model ${task.model}.`,
        };
      }
      try {
        const result = await provider.generate(
          {
            taskId: task.id,
            prompt: task.prompt,
            providerModel: task.provider_model ?? task.model,
            parameters: task.parameters,
            attempt: task.attempts,
          },
          AbortSignal.timeout(provider.taskTimeoutMs),
        );
        return { kind: 'succeeded', taskId: task.id, batchId: task.batch_id, ...result };
      } catch (error) {
        const failure = classify(error, provider.taskTimeoutMs);
        if (failure.transient && task.attempts < deps.retry.maxAttempts) {
          return {
            kind: 'retry',
            taskId: task.id,
            batchId: task.batch_id,
            model: task.model,
            code: failure.code,
            message: `${failure.message} (attempt ${task.attempts} of ${deps.retry.maxAttempts}; retrying)`,
            delayMs: failure.retryAfterMs ?? backoff(deps.retry, task.attempts),
          };
        }
        const suffix = failure.transient ? ` (after ${task.attempts} attempts)` : '';
        return {
          kind: 'failed',
          taskId: task.id,
          batchId: task.batch_id,
          code: failure.code,
          message: `${failure.message}${suffix}`,
        };
      }
    }),
  );
  await recordOutcomes(deps.db, deps.queue, outcomes, deps.logger);
  const counts = { succeeded: 0, failed: 0, retry: 0 };
  for (const outcome of outcomes) counts[outcome.kind]++;
  deps.logger.debug({ jobs: jobList.length, ...counts }, 'task jobs done');
}

/** Any error of an attempt, as a classified provider error. */
function classify(error: unknown, timeoutMs: number): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new ProviderError(
      'timeout',
      `The provider did not finish within ${timeoutMs / 1000} s.`,
      true,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError('network_error', `The provider could not be reached: ${message}`, true);
}

function backoff(policy: RetryPolicy, attempt: number) {
  const base = policy.baseDelayMs * 2 ** (attempt - 1);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
