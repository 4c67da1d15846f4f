import {
  DELIVERY_STATUSES,
  WEBHOOK_EVENT_TYPES,
  type WebhookEventType,
} from '@batchreel/contracts';
import type { Database, Prisma } from '@batchreel/db';
import { z } from 'zod';
import { TimestampSchema } from '../http/schemas';

/**
 * How one event of a batch stands with the client's webhook: what a batch read shows so that a
 * client (or support) sees at a glance whether `batch.completed` arrived, and if not, why and when
 * it is tried next. Every attempt is in `GET /webhook-deliveries/{delivery_id}`.
 */
export const BatchWebhookDeliverySchema = z
  .object({
    delivery_id: z
      .uuid()
      .meta({ description: 'Every attempt: `GET /webhook-deliveries/{delivery_id}`.' }),
    event_id: z.string().meta({ description: 'The `webhook-id` the event is sent with.' }),
    event_type: z.enum(WEBHOOK_EVENT_TYPES),
    status: z.enum(DELIVERY_STATUSES).meta({
      description:
        '`pending` while attempts remain, `delivered` on a 2xx answer, `failed` when the retry schedule is exhausted.',
    }),
    attempt_count: z.int().meta({ description: 'Attempts made so far.' }),
    last_attempt_at: TimestampSchema.nullable(),
    last_status_code: z
      .int()
      .nullable()
      .meta({ description: "Your endpoint's answer to the last attempt; null when none arrived." }),
    last_error: z.string().nullable().meta({
      description:
        'Why the last attempt failed (e.g. the host name did not resolve, a refused destination, a non-2xx answer); null after a success.',
    }),
    next_attempt_at: TimestampSchema.nullable().meta({
      description: 'When the next attempt is due, while `pending`.',
    }),
    delivered_at: TimestampSchema.nullable(),
  })
  .meta({ id: 'BatchWebhookDelivery' });

export type BatchWebhookDelivery = z.infer<typeof BatchWebhookDeliverySchema>;

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

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
      delivery_id: row.id,
      event_id: row.eventId,
      event_type: row.eventType as WebhookEventType,
      status: row.status,
      attempt_count: row.attemptCount,
      last_attempt_at: iso(last?.attemptedAt),
      last_status_code: last?.statusCode ?? null,
      last_error: last ? last.error : row.lastError,
      next_attempt_at: row.status === 'pending' ? iso(row.nextAttemptAt) : null,
      delivered_at: iso(row.deliveredAt),
    };
  });
}
