import { planTaskRefund } from '@batchreel/billing';
import type { Database, Prisma, TaskStatus } from '@batchreel/db';
import { fromPrisma } from 'pg-boss';
import { enqueue, jobs, taskGroup } from '../jobs/definitions';
import { type LedgerPosting, postLedgerEntries } from '../ledger/post';
import type { StoredOutput } from '../outputs/persist';
import type { Logger } from '../platform/logger';
import type { Queue } from '../platform/queue';
import type { TaskErrorCode } from '../providers/types';
import { lockBatches, settleIfComplete } from './settle';

/** The outcome of one attempt of one task, as the executor decided it. */
export type TaskOutcome =
  | {
      kind: 'succeeded';
      taskId: string;
      batchId: string;
      /** The provider's link, kept for support. */
      videoUrl: string | null;
      providerJobId: string | null;
      /** The video as kept in our store (`persistOutput`); null only where none could be kept. */
      stored: StoredOutput | null;
    }
  | { kind: 'failed'; taskId: string; batchId: string; code: TaskErrorCode; message: string }
  | {
      kind: 'retry';
      taskId: string;
      batchId: string;
      model: string;
      code: TaskErrorCode;
      message: string;
      delayMs: number;
    };

type Tx = Prisma.TransactionClient;

/**
 * Writes a set of task outcomes in ONE transaction: each final outcome with its refund (failed
 * tasks get their price back as a `batch_refund` row, in the same transaction that marks them),
 * each retry with its delayed job, and the settlement of every batch whose last task just ended.
 *
 * Exactly once: a task is only changed while it is still `queued`/`running` (a duplicate run of
 * the same job finds it terminal and writes nothing), refunds are written only for rows this
 * transaction changed, and the database refuses a second refund per task anyway.
 */
export async function recordOutcomes(
  db: Database,
  queue: Queue,
  outcomes: TaskOutcome[],
  logger: Logger,
) {
  if (outcomes.length === 0) return;
  await db.$transaction(
    async (tx) => {
      const batchIds = [...new Set(outcomes.map((o) => o.batchId))];
      await lockBatches(tx, batchIds);
      const now = new Date();

      const succeeded = outcomes.filter((o) => o.kind === 'succeeded');
      if (succeeded.length > 0) {
        // The stored video is recorded with the success, in the same statement; it expires after
        // the account's retention period (docs/storage.md).
        await tx.$executeRaw`
          UPDATE video_tasks AS t
             SET status = 'succeeded', video_url = o.video_url, provider_job_id = o.provider_job_id,
                 output_key = o.output_key, output_size = o.output_size,
                 output_content_type = o.output_content_type, output_sha256 = o.output_sha256,
                 output_duration_seconds = o.output_duration_seconds,
                 output_stored_at = CASE WHEN o.output_key IS NULL THEN NULL ELSE ${now}::timestamptz END,
                 output_expires_at = CASE WHEN o.output_key IS NULL THEN NULL
                   ELSE ${now}::timestamptz + make_interval(secs => a.video_retention_seconds) END,
                 error_code = NULL, error_message = NULL, finished_at = ${now}, updated_at = ${now}
            FROM jsonb_to_recordset(${JSON.stringify(
              succeeded.map((o) => ({
                id: o.taskId,
                video_url: o.videoUrl,
                provider_job_id: o.providerJobId,
                output_key: o.stored?.key ?? null,
                output_size: o.stored?.size ?? null,
                output_content_type: o.stored?.contentType ?? null,
                output_sha256: o.stored?.sha256 ?? null,
                output_duration_seconds: o.stored?.durationSeconds ?? null,
              })),
            )}::jsonb) AS o(id uuid, video_url text, provider_job_id text, output_key text,
                            output_size bigint, output_content_type text, output_sha256 text,
                            output_duration_seconds double precision),
                 accounts AS a
           WHERE t.id = o.id AND a.id = t.account_id AND t.status IN ('queued', 'running')`;
      }

      const failed = outcomes.filter((o) => o.kind === 'failed');
      if (failed.length > 0) await failTasks(tx, failed, now);

      // A task whose batch was canceled while it ran is not tried again: it ends canceled.
      const canceledBatches = new Set(
        (
          await tx.batchJob.findMany({
            where: { id: { in: batchIds }, cancelRequested: true },
            select: { id: true },
          })
        ).map((b) => b.id),
      );
      const isRetry = (o: TaskOutcome): o is Extract<TaskOutcome, { kind: 'retry' }> =>
        o.kind === 'retry';
      const stopped = outcomes.filter(isRetry).filter((o) => canceledBatches.has(o.batchId));
      if (stopped.length > 0) {
        const message = 'Canceled at the customer’s request after a failed attempt.';
        await failTasks(
          tx,
          stopped.map((o) => ({ taskId: o.taskId, code: 'canceled' as const, message })),
          now,
          'canceled',
        );
      }

      const retries = outcomes.filter(isRetry).filter((o) => !canceledBatches.has(o.batchId));
      if (retries.length > 0) {
        const requeued = await tx.$queryRaw<{ id: string }[]>`
          UPDATE video_tasks AS t
             SET status = 'queued', error_code = o.code, error_message = o.message, updated_at = ${now}
            FROM jsonb_to_recordset(${JSON.stringify(
              retries.map((o) => ({ id: o.taskId, code: o.code, message: o.message })),
            )}::jsonb) AS o(id uuid, code text, message text)
           WHERE t.id = o.id AND t.status IN ('queued', 'running')
          RETURNING t.id`;
        const ids = new Set(requeued.map((row) => row.id));
        const due = retries.filter((o) => ids.has(o.taskId));
        for (const retry of due) {
          await enqueue(
            queue,
            jobs.taskRun,
            { taskId: retry.taskId, batchId: retry.batchId },
            {
              ...taskGroup(retry.model),
              startAfter: new Date(now.getTime() + retry.delayMs),
              db: fromPrisma(tx),
            },
          );
        }
      }

      for (const batchId of batchIds) await settleIfComplete(tx, queue, batchId, logger);
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
}

/** A task as the statement that ended it left it, with what its refund needs to know. */
interface EndedTask {
  id: string;
  batch_id: string;
  account_id: string;
  cost_credits: number;
  status: TaskStatus;
  /** Whether a `batch_refund` row for the task already exists. */
  refunded: boolean;
}

/**
 * Marks tasks failed (or canceled) and refunds each one that this statement changed, in the
 * caller's transaction. Tasks first: the ledger's guard only accepts refunds of failed or
 * canceled tasks.
 */
export async function failTasks(
  tx: Tx,
  failures: { taskId: string; code: TaskErrorCode; message: string }[],
  now: Date,
  status: 'failed' | 'canceled' = 'failed',
  /** Which current states may change: cancel touches only tasks that have not started. */
  from: readonly ('queued' | 'running')[] = ['queued', 'running'],
) {
  // RETURNING sees the row as this statement left it (its new status) and, through the
  // one-refund-per-task index, whether the task was ever refunded: the refund is planned from
  // the state this transaction holds, not from what the caller meant to write.
  const changed = await tx.$queryRaw<EndedTask[]>`
    UPDATE video_tasks AS t
       SET status = ${status}::task_status, error_code = o.code, error_message = o.message,
           finished_at = ${now}, updated_at = ${now}
      FROM jsonb_to_recordset(${JSON.stringify(
        failures.map((f) => ({ id: f.taskId, code: f.code, message: f.message })),
      )}::jsonb) AS o(id uuid, code text, message text)
     WHERE t.id = o.id AND t.status::text = ANY(${from as string[]})
    RETURNING t.id, t.batch_id, t.account_id, t.cost_credits, t.status::text AS status,
              EXISTS (SELECT 1 FROM credit_ledger l
                       WHERE l.task_id = t.id AND l.ref_type = 'batch_refund') AS refunded`;
  await refundTasks(tx, changed);
  return changed.length;
}

/**
 * One `batch_refund` per ended task, each planned by `packages/billing` from the task's real
 * state; all of them in one multi-row insert, in task-id order.
 */
async function refundTasks(tx: Tx, tasks: EndedTask[]) {
  const refunds: LedgerPosting[] = [];
  for (const task of [...tasks].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const plan = planTaskRefund({
      status: task.status,
      costCredits: task.cost_credits,
      refunded: task.refunded,
    });
    if (!plan.ok) {
      // Paid back already, or it cost nothing: there is nothing (more) to return.
      if (plan.error.code === 'already_refunded' || plan.error.code === 'nothing_to_refund') {
        continue;
      }
      // The statement above just ended this task; any other answer is a bug, and silently
      // keeping a customer's credits is worse than failing the transaction.
      throw new Error(
        `task ${task.id} was just ended but its refund was refused: ${plan.error.code}`,
      );
    }
    refunds.push({
      entry: plan.value,
      accountId: task.account_id,
      refId: task.batch_id,
      taskId: task.id,
      memo: 'Refund of a video that was not delivered',
      actor: 'system:worker',
    });
  }
  await postLedgerEntries(tx, refunds);
}
