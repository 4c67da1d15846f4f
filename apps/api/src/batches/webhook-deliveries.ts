import type { DeliveryStatus, WebhookEventType } from '@batchreel/contracts';
import type { Database, Prisma } from '@batchreel/db';

/**
 * How one event of a batch stands with the client's webhook: what a batch read shows so that a
 * client (or support) sees at a glance whether `batch.completed` arrived, and if not, why and when
 * it is tried next. Every attempt is in the delivery itself (webhooks/read.ts).
 */
export interface BatchWebhookDelivery {
  deliveryId: string;
  eventId: string;
  eventType: WebhookEventType;
  status: DeliveryStatus;
  attemptCount: number;
  lastAttemptAt: Date | null;
  /** The endpoint's answer to the last attempt; null when none arrived. */
  lastStatusCode: number | null;
  lastError: string | null;
  /** When the next attempt is due, while pending. */
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
}

/**
 * The webhook events of one batch of one account, oldest first, each with its last attempt.
 * A batch has at most a few events, each at most a retry schedule's worth of attempts.
 */
export async function batchWebhookDeliveries(
  db: Database | Prisma.TransactionClient,
  accountId: string,
  batchId: string,
): Promise<BatchWebhookDelivery[]> {
  const rows = await db.webhookDelivery.findMany({
    where: { batchId, accountId },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    include: { attempts: { orderBy: { attemptedAt: 'desc' }, take: 1 } },
  });
  return rows.map((row) => {
    const last = row.attempts[0];
    return {
      deliveryId: row.id,
      eventId: row.eventId,
      eventType: row.eventType as WebhookEventType,
      status: row.status,
      attemptCount: row.attemptCount,
      lastAttemptAt: last?.attemptedAt ?? null,
      lastStatusCode: last?.statusCode ?? null,
      lastError: last ? last.error : row.lastError,
      nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt : null,
      deliveredAt: row.deliveredAt,
    };
  });
}
