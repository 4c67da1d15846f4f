import { err, ok, type Result } from '@batchreel/billing';
import type { Database, Prisma } from '@batchreel/db';
import type { Actor } from '../models/catalogue';
import { auditedSettings } from '../models/queries';
import type { Logger } from '../platform/logger';
import type { Queue } from '../platform/queue';
import { audit } from '../staff/audit';
import { failTasks } from './finalize';
import { freezeBatch } from './freeze';
import { lockBatches, settleIfComplete } from './settle';

type Tx = Prisma.TransactionClient;

export interface RetirementDeps {
  db: Database;
  queue: Queue;
  logger: Logger;
}

export type RetireError =
  | { code: 'model_not_found'; id: string }
  | { code: 'model_retired'; id: string }
  | { code: 'model_not_retired'; id: string }
  | {
      code: 'replacement_invalid';
      id: string;
      replacement: string;
      reason: 'unknown' | 'same' | 'retired' | 'disabled';
    };

/** What happened to the queued tasks of a retired model. */
export interface QueueOutcome {
  /** Tasks now waiting on the replacement, each at the price it was admitted at. */
  moved: number;
  /** Tasks canceled (refunded when their batch's credits were frozen). */
  canceled: number;
  /** Σ the refunds of the canceled tasks (their own admitted prices). */
  refundedCredits: number;
}

export interface RetirementPreview {
  queuedTasks: number;
  /** Queued tasks the replacement offers the length and size of. */
  movable: number;
  /** The others: canceled and refunded. */
  toCancel: number;
}

/** A queued task of the retired model, with what deciding its fate needs. */
interface WaitingTask {
  id: string;
  batch_id: string;
  seconds: number;
  size: string;
}

const waitingTasks = (db: Database | Tx, model: string) =>
  db.$queryRaw<WaitingTask[]>`
    SELECT id, batch_id, (parameters->>'seconds')::int AS seconds, parameters->>'size' AS size
      FROM video_tasks WHERE model = ${model} AND status = 'queued'`;

function fits(
  task: WaitingTask,
  replacement: { allowedSeconds: number[]; allowedSizes: string[] },
) {
  return (
    replacement.allowedSeconds.includes(task.seconds) &&
    replacement.allowedSizes.includes(task.size)
  );
}

async function checkReplacement(
  db: Database | Tx,
  id: string,
  replacement: string,
): Promise<RetireError | { allowedSeconds: number[]; allowedSizes: string[] }> {
  if (replacement === id) return { code: 'replacement_invalid', id, replacement, reason: 'same' };
  const target = await db.model.findUnique({ where: { id: replacement } });
  if (!target) return { code: 'replacement_invalid', id, replacement, reason: 'unknown' };
  if (target.retiredAt) return { code: 'replacement_invalid', id, replacement, reason: 'retired' };
  if (!target.enabled) return { code: 'replacement_invalid', id, replacement, reason: 'disabled' };
  return target;
}

/** What retiring `id` for `replacement` would do to its queued tasks now (reads only). */
export async function previewRetirement(
  db: Database,
  id: string,
  replacement: string | null,
): Promise<Result<RetirementPreview, RetireError>> {
  const model = await db.model.findUnique({ where: { id } });
  if (!model) return err({ code: 'model_not_found', id });
  const waiting = await waitingTasks(db, id);
  if (replacement === null) {
    return ok({ queuedTasks: waiting.length, movable: 0, toCancel: waiting.length });
  }
  const target = await checkReplacement(db, id, replacement);
  if ('code' in target) return err(target);
  const movable = waiting.filter((task) => fits(task, target)).length;
  return ok({ queuedTasks: waiting.length, movable, toCancel: waiting.length - movable });
}

/**
 * Retires a model, for good: admission refuses it from now on (naming `replacement`), and its
 * queued tasks move to the replacement at the price they were admitted at, or — without a
 * replacement, or when the replacement does not offer a task's length and size — are canceled
 * and refunded through the executor's own cancel path. Tasks already running at a provider
 * finish on the old model. Audited (`model.retired`, with what happened to the queue).
 */
export async function retireModel(
  deps: RetirementDeps,
  actor: Actor,
  input: { id: string; replacement: string | null },
): Promise<Result<QueueOutcome, RetireError>> {
  const retired = await deps.db.$transaction(async (tx) => {
    const [locked] = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM models WHERE id = ${input.id} FOR UPDATE`;
    if (!locked) return err({ code: 'model_not_found' as const, id: input.id });
    const before = await tx.model.findUniqueOrThrow({ where: { id: input.id } });
    if (before.retiredAt) return err({ code: 'model_retired' as const, id: input.id });
    if (input.replacement !== null) {
      // Shared lock: the replacement cannot be retired while tasks move onto it.
      await tx.$queryRaw`SELECT id FROM models WHERE id = ${input.replacement} FOR SHARE`;
      const target = await checkReplacement(tx, input.id, input.replacement);
      if ('code' in target) return err(target);
    }
    const after = await tx.model.update({
      where: { id: input.id },
      data: { retiredAt: new Date(), replacedBy: input.replacement, enabled: false },
    });
    const moved = await moveQueuedTasks(tx, input.id);
    await audit(tx, actor, {
      action: 'model.retired',
      targetType: 'model',
      targetId: input.id,
      before: auditedSettings(before),
      after: { ...auditedSettings(after), movedTasks: moved },
    });
    return ok(moved);
  });
  if (!retired.ok) return retired;
  const canceled = await cancelQueuedTasks(deps, input.id);
  deps.logger.info(
    { model: input.id, replacement: input.replacement, moved: retired.value, ...canceled },
    'model retired',
  );
  return ok({ moved: retired.value, ...canceled });
}

/**
 * Moves or cancels what is queued on a retired model now: tasks that came back to the queue
 * after the retirement (a retry of a task that was running), or that a crash between the steps
 * of `retireModel` left behind. Idempotent; audited (`model.retired_queue_handled`) when it
 * changed anything.
 */
export async function handleRetiredQueue(
  deps: RetirementDeps,
  actor: Actor,
  id: string,
): Promise<Result<QueueOutcome, RetireError>> {
  const model = await deps.db.model.findUnique({ where: { id } });
  if (!model) return err({ code: 'model_not_found', id });
  if (!model.retiredAt) return err({ code: 'model_not_retired', id });
  const moved = await deps.db.$transaction((tx) => moveQueuedTasks(tx, id));
  const canceled = await cancelQueuedTasks(deps, id);
  const outcome = { moved, ...canceled };
  if (outcome.moved + outcome.canceled > 0) {
    await deps.db.$transaction((tx) =>
      audit(tx, actor, {
        action: 'model.retired_queue_handled',
        targetType: 'model',
        targetId: id,
        after: { replacedBy: model.replacedBy, movedTasks: moved, ...canceled },
      }),
    );
  }
  return ok(outcome);
}

/**
 * In the caller's transaction: the retired model's queued tasks whose length and size its
 * replacement offers now wait on the replacement. Their price (`cost_credits`) is untouched —
 * the database refuses to change it — and their jobs stay queued: the executor reads a task's
 * model when it starts it.
 */
async function moveQueuedTasks(tx: Tx, id: string): Promise<number> {
  const model = await tx.model.findUniqueOrThrow({ where: { id } });
  if (!model.replacedBy) return 0;
  const target = await tx.model.findUniqueOrThrow({ where: { id: model.replacedBy } });
  const waiting = await waitingTasks(tx, id);
  const movable = waiting.filter((task) => fits(task, target));
  if (movable.length === 0) return 0;
  await lockBatches(
    tx,
    movable.map((task) => task.batch_id),
  );
  return tx.$executeRaw`
    UPDATE video_tasks SET model = ${target.id}, updated_at = now()
     WHERE id = ANY(${movable.map((task) => task.id)}::uuid[]) AND status = 'queued'
       AND model = ${id}`;
}

/** Why a task of a retired model was canceled, as its customer reads it. */
function cancelMessage(model: string, replacement: string | null, task: WaitingTask) {
  return replacement
    ? `Canceled and refunded: model ${model} was retired, and its replacement ${replacement} does not offer ${task.seconds} s at ${task.size}.`
    : `Canceled and refunded: model ${model} was retired with no replacement.`;
}

/**
 * Cancels the retired model's remaining queued tasks through the executor's own paths: in a
 * batch whose credits are frozen, `failTasks` marks each canceled and refunds its own admitted
 * price in the same transaction; a batch not yet frozen has nothing to refund, so a batch made
 * only of such tasks ends without ever being charged, and any other is frozen first (the
 * worker's own exactly-once freeze) so that its canceled tasks are refunded like any other.
 * Batches whose last task this ends are settled.
 */
async function cancelQueuedTasks(
  deps: RetirementDeps,
  id: string,
): Promise<Omit<QueueOutcome, 'moved'>> {
  const model = await deps.db.model.findUniqueOrThrow({ where: { id } });
  let canceled = 0;
  let refundedCredits = 0;
  // A batch frozen by the worker between the reads below and the transaction is simply seen
  // frozen the next time round; three rounds are plenty.
  for (let round = 0; round < 3; round++) {
    const waiting = await waitingTasks(deps.db, id);
    if (waiting.length === 0) break;
    const batchIds = [...new Set(waiting.map((task) => task.batch_id))];
    const unfrozen = await deps.db.batchJob.findMany({
      where: { id: { in: batchIds }, frozenCredits: 0 },
      select: { id: true },
    });
    const wholly = await batchesOnlyOf(
      deps.db,
      unfrozen.map((b) => b.id),
      id,
    );
    for (const batch of unfrozen) {
      if (!wholly.has(batch.id)) await freezeBatch(deps.db, deps.queue, batch.id, deps.logger);
    }
    const result = await deps.db.$transaction(
      async (tx) => {
        await lockBatches(tx, batchIds);
        const now = new Date();
        const frozen = new Set(
          (
            await tx.batchJob.findMany({
              where: { id: { in: batchIds }, frozenCredits: { gt: 0 } },
              select: { id: true },
            })
          ).map((b) => b.id),
        );
        const current = await waitingTasks(tx, id);
        const refundable = current.filter((task) => frozen.has(task.batch_id));
        const ended = await failTasks(
          tx,
          refundable.map((task) => ({
            taskId: task.id,
            code: 'canceled' as const,
            message: cancelMessage(id, model.replacedBy, task),
          })),
          now,
          'canceled',
          ['queued'],
        );
        // Only batches made wholly of this model's tasks are still unfrozen here: they end
        // without a charge, as a batch canceled before its start does.
        const unpaid = current.filter(
          (task) => !frozen.has(task.batch_id) && wholly.has(task.batch_id),
        );
        for (const task of unpaid) {
          await tx.videoTask.updateMany({
            where: { id: task.id, status: 'queued' },
            data: {
              status: 'canceled',
              errorCode: 'canceled',
              errorMessage: cancelMessage(id, model.replacedBy, task).replace(
                'Canceled and refunded',
                'Canceled before the batch started (nothing was charged)',
              ),
              finishedAt: now,
            },
          });
        }
        const [{ refunded }] = (await tx.$queryRaw<{ refunded: number }[]>`
          SELECT COALESCE(SUM(credits_delta), 0)::int AS refunded FROM credit_ledger
           WHERE ref_type = 'batch_refund'
             AND task_id = ANY(${refundable.map((task) => task.id)}::uuid[])`) as [
          { refunded: number },
        ];
        for (const batchId of batchIds) {
          await settleIfComplete(tx, deps.queue, batchId, deps.logger);
        }
        return { canceled: ended + unpaid.length, refunded };
      },
      { timeout: 60_000, maxWait: 20_000 },
    );
    canceled += result.canceled;
    refundedCredits += result.refunded;
  }
  return { canceled, refundedCredits };
}

/** Which of these batches have no task of another model (so retiring `model` ends them). */
async function batchesOnlyOf(db: Database, batchIds: string[], model: string) {
  if (batchIds.length === 0) return new Set<string>();
  const rows = await db.$queryRaw<{ batch_id: string }[]>`
    SELECT batch_id FROM video_tasks WHERE batch_id = ANY(${batchIds}::uuid[])
     GROUP BY batch_id HAVING bool_and(model = ${model})`;
  return new Set(rows.map((row) => row.batch_id));
}
