import type { WebhookEventType } from '@batchreel/contracts';
import type { Database, Prisma } from '@batchreel/db';
import type { z } from 'zod';
import { decodeCursor, encodeCursor } from '../http/cursor';
import { isUuid } from '../platform/ids';
import type { DeliveryListQuerySchema, WebhookDeliverySchema } from './schemas';

type DeliveryView = z.infer<typeof WebhookDeliverySchema>;
const iso = (date: Date | null) => (date ? date.toISOString() : null);

const WITH_ATTEMPTS = { attempts: { orderBy: { attemptedAt: 'asc' } } } as const;
type DeliveryRow = Prisma.WebhookDeliveryGetPayload<{ include: typeof WITH_ATTEMPTS }>;

export function deliveryView(row: DeliveryRow): DeliveryView {
  return {
    delivery_id: row.id,
    event_id: row.eventId,
    event_type: row.eventType as WebhookEventType,
    batch_id: row.batchId,
    url: row.url,
    status: row.status,
    attempt_count: row.attemptCount,
    next_attempt_at: iso(row.nextAttemptAt),
    last_error: row.lastError,
    created_at: row.createdAt.toISOString(),
    delivered_at: iso(row.deliveredAt),
    attempts: row.attempts.map((a) => ({
      attempted_at: a.attemptedAt.toISOString(),
      status_code: a.statusCode,
      latency_ms: a.latencyMs,
      error: a.error,
      response_body: a.responseBody,
    })),
  };
}

/** One delivery of one account, with its attempts; null when not this account's. */
export async function getDelivery(db: Database, accountId: string, deliveryId: string) {
  if (!isUuid(deliveryId)) return null;
  const row = await db.webhookDelivery.findFirst({
    where: { id: deliveryId, accountId },
    include: WITH_ATTEMPTS,
  });
  return row ? deliveryView(row) : null;
}

/** A page of the account's deliveries, newest first (keyset on created_at, id). */
export async function listDeliveries(
  db: Database,
  accountId: string,
  query: z.infer<typeof DeliveryListQuerySchema>,
): Promise<{ data: DeliveryView[]; has_more: boolean; next_cursor: string | null } | 'bad_cursor'> {
  let before: { createdAt: Date; id: string } | undefined;
  if (query.cursor !== undefined) {
    const position = decodeCursor(query.cursor);
    const [time, id] = typeof position === 'string' ? position.split('|') : [];
    const createdAt = new Date(time ?? '');
    if (!id || !isUuid(id) || Number.isNaN(createdAt.getTime())) return 'bad_cursor';
    before = { createdAt, id };
  }
  // An unknown or foreign batch id simply matches nothing.
  if (query.batch_id !== undefined && !isUuid(query.batch_id)) {
    return { data: [], has_more: false, next_cursor: null };
  }
  const rows = await db.webhookDelivery.findMany({
    where: {
      accountId,
      ...(query.batch_id ? { batchId: query.batch_id } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(before
        ? {
            OR: [
              { createdAt: { lt: before.createdAt } },
              { createdAt: before.createdAt, id: { lt: before.id } },
            ],
          }
        : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: query.limit + 1,
    include: WITH_ATTEMPTS,
  });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    data: page.map(deliveryView),
    has_more: rows.length > query.limit,
    next_cursor:
      rows.length > query.limit && last
        ? encodeCursor(`${last.createdAt.toISOString()}|${last.id}`)
        : null,
  };
}
