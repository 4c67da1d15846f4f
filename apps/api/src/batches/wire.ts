import type { z } from 'zod';
import { isoTime, isoTimeOrNull } from '../platform/wire';
import type { Batch, BatchSummary, Task } from './read';
import type {
  BatchSchema,
  BatchSummarySchema,
  BatchWebhookDeliverySchema,
  TaskSchema,
} from './schemas';
import type { BatchWebhookDelivery } from './webhook-deliveries';

// A batch on the wire: snake_case and ISO timestamps, as the public API answers it and as webhook
// events carry it. Reads return domain values; these turn them into the documented shapes.

export function batchSummaryBody(batch: BatchSummary): z.input<typeof BatchSummarySchema> {
  return {
    batch_id: batch.batchId,
    request_id: batch.requestId,
    status: batch.status,
    total_count: batch.totalCount,
    success_count: batch.successCount,
    failed_count: batch.failedCount,
    canceled_count: batch.canceledCount,
    pending_count: batch.pendingCount,
    cost_per_video: batch.costPerVideo,
    required_credits: batch.requiredCredits,
    frozen_credits: batch.frozenCredits,
    credits_spent: batch.creditsSpent,
    refunded_credits: batch.refundedCredits,
    pending_credits: batch.pendingCredits,
    net_spent_credits: batch.netSpentCredits,
    settlement_status: batch.settlementStatus,
    webhook_url: batch.webhookUrl,
    metadata: batch.metadata,
    created_at: isoTime(batch.createdAt),
    started_at: isoTimeOrNull(batch.startedAt),
    finished_at: isoTimeOrNull(batch.finishedAt),
    settled_at: isoTimeOrNull(batch.settledAt),
  };
}

/** The batch as a webhook event's `data`: the read without its own delivery state. */
export function batchEventData(batch: Batch) {
  const { webhook_deliveries: _deliveries, ok: _ok, ...data } = batchBody(batch);
  return data;
}

/** `GET /video-batch/{id}`. */
export function batchBody(batch: Batch): z.input<typeof BatchSchema> {
  return {
    ok: true,
    ...batchSummaryBody(batch),
    breakdown: batch.breakdown.map((line) => ({
      model: line.model,
      count: line.count,
      price_credits: line.priceCredits,
      subtotal_credits: line.subtotalCredits,
    })),
    webhook_deliveries: batch.webhookDeliveries.map(webhookDeliveryBody),
  };
}

function webhookDeliveryBody(
  delivery: BatchWebhookDelivery,
): z.input<typeof BatchWebhookDeliverySchema> {
  return {
    delivery_id: delivery.deliveryId,
    event_id: delivery.eventId,
    event_type: delivery.eventType,
    status: delivery.status,
    attempt_count: delivery.attemptCount,
    last_attempt_at: isoTimeOrNull(delivery.lastAttemptAt),
    last_status_code: delivery.lastStatusCode,
    last_error: delivery.lastError,
    next_attempt_at: isoTimeOrNull(delivery.nextAttemptAt),
    delivered_at: isoTimeOrNull(delivery.deliveredAt),
  };
}

export function taskBody(task: Task): z.input<typeof TaskSchema> {
  return {
    task_id: task.taskId,
    batch_index: task.batchIndex,
    prompt: task.prompt,
    model: task.model,
    parameters: task.parameters,
    status: task.status,
    attempts: task.attempts,
    cost_credits: task.costCredits,
    refunded: task.refunded,
    video_url: task.videoUrl,
    error_code: task.errorCode,
    error_message: task.errorMessage,
    created_at: isoTime(task.createdAt),
    started_at: isoTimeOrNull(task.startedAt),
    finished_at: isoTimeOrNull(task.finishedAt),
  };
}
