import { createHash } from 'node:crypto';
import type { BatchWebhookEventType } from '@batchreel/contracts';
import type { Prisma } from '@batchreel/db';
import { getBatch } from '../batches/read';
import { batchEventData } from '../batches/wire';
import { recordWebhookEvent } from '../outbox/record';
import type { Queue } from '../platform/queue';
import type { WebhookEvent } from './schemas';

type Tx = Prisma.TransactionClient;

/**
 * A batch event's id: derived from the batch and the event type, so it is the same however
 * often the event is delivered, and a second emission of the same event (there should be none)
 * collides on `webhook_deliveries.event_id` instead of notifying the client twice.
 */
export function batchEventId(batchId: string, type: BatchWebhookEventType): string {
  return `evt_${createHash('sha256').update(`${batchId}:${type}`).digest('hex').slice(0, 32)}`;
}

/** The event that closes a batch's story: `batch.canceled` or `batch.completed`. */
export function settlementEventType(status: string): BatchWebhookEventType {
  return status === 'canceled' ? 'batch.canceled' : 'batch.completed';
}

/**
 * Records a batch event for delivery, inside the caller's transaction (the one that changed the
 * batch): a `webhook_deliveries` row with the payload as of this transaction, and the job that
 * makes the first attempt. Both commit with the state change or neither does, so a settled batch
 * always has its `batch.completed` on its way, and the settlement itself never waits for the
 * client's server. Batches without a `webhook_url` get nothing.
 */
export async function emitBatchEvent(
  tx: Tx,
  queue: Queue,
  batchId: string,
  type: BatchWebhookEventType,
): Promise<void> {
  const batch = await tx.batchJob.findUnique({
    where: { id: batchId },
    select: { accountId: true, webhookUrl: true },
  });
  if (!batch?.webhookUrl) return;
  const read = await getBatch(tx, batch.accountId, batchId);
  if (!read) return;
  const eventId = batchEventId(batchId, type);
  const event: WebhookEvent = {
    id: eventId,
    type,
    timestamp: new Date().toISOString(),
    // The batch as a read shows it, minus its own delivery state.
    data: batchEventData(read),
  };

  await recordWebhookEvent(tx, queue, {
    accountId: batch.accountId,
    batchId,
    url: batch.webhookUrl,
    event,
  });
}
