import type { z } from 'zod';
import { isoTime, isoTimeOrNull } from '../platform/wire';
import { batchResultPaths, taskVideoUrl } from './links';
import type { Batch, BatchSummary, Task } from './read';
import type {
  BatchSchema,
  BatchSummarySchema,
  BatchWebhookDeliverySchema,
  TaskSchema,
  VideoStatus,
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
    retried_from_batch_id: batch.retriedFromBatchId,
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
    retry_batch_ids: batch.retryBatchIds,
    results: (({ manifestCsv, manifestJsonl, videosZip }) => ({
      manifest_csv: manifestCsv,
      manifest_jsonl: manifestJsonl,
      videos_zip: videosZip,
    }))(batchResultPaths(batch.batchId)),
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

/** Where a task's video stands: kept by us, deleted by retention, only at the provider, or none. */
export function videoStatusOf(task: Pick<Task, 'status' | 'video' | 'videoUrl'>): VideoStatus {
  if (task.video) return task.video.deletedAt ? 'expired' : 'stored';
  return task.status === 'succeeded' && task.videoUrl ? 'external' : 'none';
}

/**
 * A task on the wire. `baseUrl` is the address the client called (`PUBLIC_BASE_URL` when set):
 * `video_url` is our stable link under it, never the provider's short-lived one.
 */
export function taskBody(task: Task, baseUrl: string): z.input<typeof TaskSchema> {
  const videoStatus = videoStatusOf(task);
  const video = task.video;
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
    video_url:
      videoStatus === 'stored'
        ? taskVideoUrl(baseUrl, task.taskId)
        : videoStatus === 'external'
          ? task.videoUrl
          : null,
    video_status: videoStatus,
    video_sha256: video?.sha256 ?? null,
    video_size_bytes: video?.sizeBytes ?? null,
    video_content_type: video?.contentType ?? null,
    video_duration_seconds: video?.durationSeconds ?? null,
    video_stored_at: isoTimeOrNull(video?.storedAt),
    video_expires_at: isoTimeOrNull(video?.expiresAt),
    video_expired_at: isoTimeOrNull(video?.deletedAt),
    error_code: task.errorCode,
    error_message: task.errorMessage,
    created_at: isoTime(task.createdAt),
    started_at: isoTimeOrNull(task.startedAt),
    finished_at: isoTimeOrNull(task.finishedAt),
  };
}
