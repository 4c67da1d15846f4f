import type { Database, Prisma } from '@batchreel/db';

import type { z } from 'zod';
import { decodeCursor, encodeCursor } from '../http/cursor';
import { isUuid } from '../platform/ids';
import { batchWebhookDeliveries } from '../webhooks/batch-deliveries';
import type { BatchView, TaskListQuerySchema, TaskSchema } from './schemas';

type Task = z.infer<typeof TaskSchema>;
const iso = (date: Date | null) => (date ? date.toISOString() : null);

/**
 * One batch of one account (another account's batch is simply not found). Counts come from the
 * tasks themselves, so they are current while the batch runs, not only after settlement. Works
 * inside a transaction too (webhook events snapshot the batch as their transaction sees it).
 */
export async function getBatch(
  db: Database | Prisma.TransactionClient,
  accountId: string,
  batchId: string,
): Promise<BatchView | null> {
  if (!isUuid(batchId)) return null;
  const batch = await db.batchJob.findFirst({ where: { id: batchId, accountId } });
  if (!batch) return null;
  const groups = await db.$queryRaw<
    { status: string; model: string; cost: number; count: number }[]
  >`
    SELECT status::text, model, cost_credits AS cost, count(*)::int AS count
      FROM video_tasks WHERE batch_id = ${batchId}::uuid
     GROUP BY status, model, cost_credits`;

  const byStatus = new Map<string, number>();
  const byModel = new Map<
    string,
    { model: string; count: number; price_credits: number; subtotal_credits: number }
  >();
  for (const g of groups) {
    byStatus.set(g.status, (byStatus.get(g.status) ?? 0) + g.count);
    const key = `${g.model}\u0000${g.cost}`;
    const line = byModel.get(key) ?? {
      model: g.model,
      count: 0,
      price_credits: g.cost,
      subtotal_credits: 0,
    };
    line.count += g.count;
    line.subtotal_credits += g.count * g.cost;
    byModel.set(key, line);
  }
  const count = (status: string) => byStatus.get(status) ?? 0;
  const finished = count('succeeded') + count('failed') + count('canceled');

  return {
    ok: true,
    batch_id: batch.id,
    request_id: batch.requestId,
    status: batch.status,
    total_count: batch.totalCount,
    success_count: count('succeeded'),
    failed_count: count('failed'),
    canceled_count: count('canceled'),
    pending_count: batch.totalCount - finished,
    cost_per_video: batch.costPerVideo,
    required_credits: batch.requiredCredits,
    frozen_credits: batch.frozenCredits,
    credits_spent: batch.creditsSpent,
    refunded_credits: batch.refundedCredits,
    net_spent_credits: batch.frozenCredits - batch.refundedCredits,
    settlement_status: batch.settlementStatus,
    breakdown: [...byModel.values()].sort((a, b) => a.model.localeCompare(b.model)),
    webhook_url: batch.webhookUrl,
    metadata: (batch.metadata as Record<string, string> | null) ?? null,
    created_at: batch.createdAt.toISOString(),
    started_at: iso(batch.startedAt),
    finished_at: iso(batch.finishedAt),
    settled_at: iso(batch.settledAt),
    webhook_deliveries: await batchWebhookDeliveries(db, accountId, batchId),
  };
}

export type TaskPage = { data: Task[]; has_more: boolean; next_cursor: string | null };

/**
 * A page of a batch's tasks in `batch_index` order, optionally of one status. Returns null when
 * the batch is not this account's, and `'bad_cursor'` for a cursor we did not issue.
 */
export async function listTasks(
  db: Database,
  accountId: string,
  batchId: string,
  query: z.infer<typeof TaskListQuerySchema>,
): Promise<TaskPage | null | 'bad_cursor'> {
  if (!isUuid(batchId)) return null;
  const owned = await db.batchJob.findFirst({
    where: { id: batchId, accountId },
    select: { id: true },
  });
  if (!owned) return null;
  let after = -1;
  if (query.cursor !== undefined) {
    const position = decodeCursor(query.cursor);
    // batch_index is an int4 below the item limit; anything else is not a cursor we issued.
    if (
      typeof position !== 'number' ||
      !Number.isInteger(position) ||
      position < 0 ||
      position > 2_147_483_647
    ) {
      return 'bad_cursor';
    }
    after = position;
  }
  const rows = await db.videoTask.findMany({
    where: {
      batchId,
      accountId,
      batchIndex: { gt: after },
      ...(query.status ? { status: query.status } : {}),
    },
    orderBy: { batchIndex: 'asc' },
    take: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    data: page.map((t) => ({
      task_id: t.id,
      batch_index: t.batchIndex,
      prompt: t.prompt,
      model: t.model,
      parameters: t.parameters as { seconds: number; size: string },
      status: t.status,
      attempts: t.attempts,
      cost_credits: t.costCredits,
      video_url: t.videoUrl,
      error_code: t.errorCode,
      error_message: t.errorMessage,
      created_at: t.createdAt.toISOString(),
      started_at: iso(t.startedAt),
      finished_at: iso(t.finishedAt),
    })),
    has_more: rows.length > query.limit,
    next_cursor: rows.length > query.limit && last ? encodeCursor(last.batchIndex) : null,
  };
}
