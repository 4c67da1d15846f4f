import type { DeliveryStatus, WebhookEventType } from '@batchreel/contracts';
import type { Database, Prisma } from '@batchreel/db';
import { type IdPrefixRange, isUuid } from '../platform/ids';
import {
  type BadCursor,
  cursorCodec,
  type Page,
  type PageRequest,
  pageOf,
  TimeAndId,
} from '../platform/pages';

/** One attempt to deliver an event. */
export interface DeliveryAttempt {
  attemptedAt: Date;
  /** null when no answer arrived. */
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  /** The first 2 KiB of the endpoint's answer. */
  responseBody: string | null;
}

/** An event sent (or being sent) to a client's webhook, with every attempt, oldest first. */
export interface Delivery {
  deliveryId: string;
  accountId: string;
  accountName: string;
  eventId: string;
  eventType: WebhookEventType;
  batchId: string | null;
  url: string;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
  attempts: DeliveryAttempt[];
}

const WITH_ATTEMPTS = {
  attempts: { orderBy: { attemptedAt: 'asc' } },
  account: { select: { name: true } },
} as const;
type DeliveryRow = Prisma.WebhookDeliveryGetPayload<{ include: typeof WITH_ATTEMPTS }>;

const delivery = (row: DeliveryRow): Delivery => ({
  deliveryId: row.id,
  accountId: row.accountId,
  accountName: row.account.name,
  eventId: row.eventId,
  eventType: row.eventType as WebhookEventType,
  batchId: row.batchId,
  url: row.url,
  status: row.status,
  attemptCount: row.attemptCount,
  nextAttemptAt: row.nextAttemptAt,
  lastError: row.lastError,
  createdAt: row.createdAt,
  deliveredAt: row.deliveredAt,
  attempts: row.attempts.map((a) => ({
    attemptedAt: a.attemptedAt,
    statusCode: a.statusCode,
    latencyMs: a.latencyMs,
    error: a.error,
    responseBody: a.responseBody,
  })),
});

/** One delivery of one account, with its attempts; null when not this account's. */
export async function getDelivery(
  db: Database,
  accountId: string,
  deliveryId: string,
): Promise<Delivery | null> {
  if (!isUuid(deliveryId)) return null;
  const row = await db.webhookDelivery.findFirst({
    where: { id: deliveryId, accountId },
    include: WITH_ATTEMPTS,
  });
  return row ? delivery(row) : null;
}

export interface DeliveryFilter {
  /** The account whose deliveries are listed; absent only for staff, who see every account's. */
  accountId: string | undefined;
  /** Only the deliveries of batches whose ids fall in this range (one batch: its id twice). */
  batches?: Pick<IdPrefixRange, 'lowest' | 'highest'> | undefined;
  status?: DeliveryStatus | undefined;
}

/** Cursors of delivery lists: newest first, keyset on `(created_at, id)`. */
const deliveryCursor = cursorCodec('deliveries', TimeAndId);

/** A page of deliveries, newest first (keyset on created_at, id). */
export async function listDeliveries(
  db: Database,
  filter: DeliveryFilter & PageRequest,
): Promise<Page<Delivery> | BadCursor> {
  const after = filter.cursor ? deliveryCursor.decode(filter.cursor) : null;
  if (filter.cursor && !after) return 'bad_cursor';
  const rows = await db.webhookDelivery.findMany({
    where: {
      ...(filter.accountId ? { accountId: filter.accountId } : {}),
      ...(filter.batches
        ? { batchId: { gte: filter.batches.lowest, lte: filter.batches.highest } }
        : {}),
      ...(filter.status ? { status: filter.status } : {}),
      ...(after
        ? {
            OR: [{ createdAt: { lt: after.t } }, { createdAt: after.t, id: { lt: after.id } }],
          }
        : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: filter.limit + 1,
    include: WITH_ATTEMPTS,
  });
  const page = pageOf(rows, filter.limit, deliveryCursor, (row) => ({
    t: row.createdAt,
    id: row.id,
  }));
  return { items: page.items.map(delivery), nextCursor: page.nextCursor };
}
