import type { Prisma } from '@batchreel/db';
import { fromPrisma } from 'pg-boss';
import { enqueue, jobs } from '../jobs/definitions';
import type { Queue } from '../platform/queue';

/** A webhook event as it is POSTed: `{ id, type, timestamp, data }` (Standard Webhooks body). */
export interface OutgoingEvent {
  id: string;
  type: string;
  timestamp: string;
  data: unknown;
}

/**
 * Records an event for delivery inside the caller's transaction (the one that made it happen): a
 * `webhook_deliveries` row with the payload as of this transaction, and the job that makes the
 * first attempt. Both commit with the cause or neither does; the delivery machinery of
 * `webhooks/` does the rest (signing, retries, the attempt log, redelivery). Batch events and
 * finance alerts both go through here, so every event is delivered the same way.
 *
 * Returns the delivery's id, or null when an event with this id was recorded before (event ids
 * are unique: a second emission collides instead of notifying the client twice).
 */
export async function recordWebhookEvent(
  tx: Prisma.TransactionClient,
  queue: Queue,
  delivery: { accountId: string; batchId: string | null; url: string; event: OutgoingEvent },
): Promise<string | null> {
  const [row] = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO webhook_deliveries (account_id, batch_id, event_id, event_type, url, payload, next_attempt_at)
    VALUES (${delivery.accountId}::uuid, ${delivery.batchId}::uuid, ${delivery.event.id},
            ${delivery.event.type}, ${delivery.url}, ${JSON.stringify(delivery.event)}::jsonb, now())
    ON CONFLICT (event_id) DO NOTHING
    RETURNING id`;
  if (!row) return null;
  await enqueue(
    queue,
    jobs.webhookDeliver,
    { deliveryId: row.id, attempt: 1, nextRetry: 0 },
    { db: fromPrisma(tx) },
  );
  return row.id;
}
