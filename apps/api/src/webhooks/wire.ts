import type { z } from 'zod';
import { isoTime, isoTimeOrNull } from '../platform/wire';
import type { Delivery } from './read';
import type { WebhookDeliverySchema } from './schemas';

/**
 * A delivery on the wire (snake_case, ISO timestamps): the public API's answer, and what the
 * admin's delivery log reads too.
 */
export function deliveryBody(delivery: Delivery): z.input<typeof WebhookDeliverySchema> {
  return {
    delivery_id: delivery.deliveryId,
    event_id: delivery.eventId,
    event_type: delivery.eventType,
    batch_id: delivery.batchId,
    url: delivery.url,
    status: delivery.status,
    attempt_count: delivery.attemptCount,
    next_attempt_at: isoTimeOrNull(delivery.nextAttemptAt),
    last_error: delivery.lastError,
    created_at: isoTime(delivery.createdAt),
    delivered_at: isoTimeOrNull(delivery.deliveredAt),
    attempts: delivery.attempts.map((a) => ({
      attempted_at: isoTime(a.attemptedAt),
      status_code: a.statusCode,
      latency_ms: a.latencyMs,
      error: a.error,
      response_body: a.responseBody,
    })),
  };
}
