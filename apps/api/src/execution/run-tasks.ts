import type { Database } from '@batchreel/db';
import { fromPrisma, type Job } from 'pg-boss';
import { enqueue, jobs, taskGroup } from '../jobs/definitions';
import type { Logger } from '../platform/logger';
import type { Storage } from '../platform/object-store';
import type { Queue } from '../platform/queue';
import type { ProviderRegistry } from '../providers/registry';
import { ProviderError } from '../providers/types';
import { recordOutcomes, type TaskOutcome } from './finalize';
import { keepOutput } from './keep-output';

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
  /** Where succeeded videos are kept (issue 18). */
  storage: Storage;
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
  const started = await startTasks(deps, ids);
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
        // Durable outputs (issue 18): the video is in our store before the task may succeed.
        const stored = await keepOutput(
          deps.storage,
          provider,
          {
            id: task.id,
            batchId: task.batch_id,
            accountId: task.account_id,
            attempt: task.attempts,
          },
          result,
          deps.logger,
        );
        return {
          kind: 'succeeded',
          taskId: task.id,
          batchId: task.batch_id,
          videoUrl: result.videoUrl,
          providerJobId: result.providerJobId,
          stored,
        };
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
        const suffix = failure.transient
          ? ` (after ${task.attempts} attempt${task.attempts === 1 ? '' : 's'})`
          : '';
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

type StartedTask = {
  id: string;
  batch_id: string;
  account_id: string;
  prompt: string;
  model: string;
  parameters: { seconds: number; size: string };
  attempts: number;
  provider: string | null;
  provider_model: string | null;
};

/** How long a task that found its model at its limit waits before its job comes back. */
const SLOT_RETRY_MS = 1000;

/**
 * Moves tasks to `running`, never more per model than `models.max_concurrency` across every worker:
 * one transaction per fetch takes a per-model advisory lock, counts the model's running tasks and
 * starts only what fits. (pg-boss's group limit already trims each fetch, but concurrent fetchers
 * can overshoot it.) Tasks that do not fit stay `queued` and get a new job a second later, sent in
 * the same transaction so none is lost. Tasks of this fetch already `running` (a crashed worker's,
 * run again) keep their slot.
 */
async function startTasks(deps: TaskRunnerDeps, ids: string[]): Promise<StartedTask[]> {
  return deps.db.$transaction(async (tx) => {
    const candidates = await tx.$queryRaw<
      { id: string; batch_id: string; model: string; limit: number; running: boolean }[]
    >`
      SELECT t.id, t.batch_id, t.model, m.max_concurrency AS limit, t.status = 'running' AS running
        FROM video_tasks t
        JOIN batch_jobs b ON b.id = t.batch_id AND b.status = 'processing'
        JOIN models m ON m.id = t.model
       WHERE t.id = ANY(${ids}::uuid[]) AND t.status IN ('queued', 'running')
       ORDER BY t.model, t.batch_index`;
    const models = [...new Set(candidates.map((c) => c.model))].sort();
    for (const model of models) {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('batchreel:model-slots'), hashtext(${model}))`;
    }
    const busy = await tx.$queryRaw<{ model: string; running: number }[]>`
      SELECT model, count(*)::int AS running FROM video_tasks
       WHERE status = 'running' AND model = ANY(${models}) AND NOT (id = ANY(${ids}::uuid[]))
       GROUP BY model`;
    const free = new Map(models.map((m) => [m, 0]));
    for (const c of candidates) free.set(c.model, c.limit);
    for (const b of busy) free.set(b.model, (free.get(b.model) ?? 0) - b.running);

    const chosen: string[] = [];
    const deferred: typeof candidates = [];
    for (const c of candidates) {
      const slots = free.get(c.model) ?? 0;
      if (c.running || slots > 0) {
        chosen.push(c.id);
        free.set(c.model, slots - 1);
      } else {
        deferred.push(c);
      }
    }
    for (const task of deferred) {
      await enqueue(
        deps.queue,
        jobs.taskRun,
        { taskId: task.id, batchId: task.batch_id },
        {
          ...taskGroup(task.model),
          startAfter: new Date(Date.now() + SLOT_RETRY_MS),
          db: fromPrisma(tx),
        },
      );
    }
    if (chosen.length === 0) return [];
    return tx.$queryRaw<StartedTask[]>`
      UPDATE video_tasks AS t
         SET status = 'running', attempts = t.attempts + 1,
             started_at = COALESCE(t.started_at, now()), updated_at = now()
        FROM models AS m
       WHERE t.id = ANY(${chosen}::uuid[]) AND t.status IN ('queued', 'running') AND m.id = t.model
      RETURNING t.id, t.batch_id, t.account_id, t.prompt, t.model, t.parameters, t.attempts, m.provider, m.provider_model`;
  });
}

/**
 * Any error of an attempt, as a classified provider error. A timeout's message starts with the
 * word `timeout` (as its code does), whichever provider timed out: "timeout: the provider did not
 * finish within 2 s", to which the final failure adds "(after 3 attempts)".
 */
function classify(error: unknown, timeoutMs: number): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new ProviderError(
      'timeout',
      `timeout: the provider did not finish within ${timeoutMs / 1000} s`,
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
