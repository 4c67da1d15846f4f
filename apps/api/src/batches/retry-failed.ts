import { err, type Result } from '@batchreel/billing';
import type { Database } from '@batchreel/db';
import { isUuid } from '../platform/ids';
import type { OwnEndpoint } from '../platform/outbound';
import type { Queue } from '../platform/queue';
import { type AdmissionError, type AdmissionResponse, admitBatch } from './admission';
import type { CreateBatchRequest } from './schemas';

export type RetryError =
  | AdmissionError
  | { code: 'not_found' }
  | { code: 'batch_not_settled' }
  | { code: 'no_failed_tasks' };

export interface RetryRequest {
  accountId: string;
  batchId: string;
  /** The client's `X-Request-ID`: the same one answers the same retry batch again. */
  idempotencyKey: string | null;
  requestId: string;
  allowPrivateNetworks: boolean;
  ownEndpoint?: OwnEndpoint | null;
}

/**
 * A new batch of a settled batch's failed tasks, as they were asked for (prompt, model, length,
 * size; the original's `webhook_url` and `metadata`), admitted by `admitBatch` under the rules
 * of any batch: quoted at today's prices, `402` when the account cannot pay, idempotent on the
 * `X-Request-ID` (whose fingerprint names the original batch, so the same key on another request
 * is refused). The new batch names the original (`retried_from_batch_id`); the original's read
 * lists its retries. Canceled tasks are not retried: someone chose to stop them.
 */
export async function retryFailedTasks(
  db: Database,
  queue: Queue,
  request: RetryRequest,
): Promise<Result<AdmissionResponse, RetryError>> {
  if (!isUuid(request.batchId)) return err({ code: 'not_found' });
  const original = await db.batchJob.findFirst({
    where: { id: request.batchId, accountId: request.accountId },
    select: { id: true, settlementStatus: true, webhookUrl: true, metadata: true },
  });
  if (!original) return err({ code: 'not_found' });
  if (original.settlementStatus === 'pending') return err({ code: 'batch_not_settled' });
  const failed = await db.videoTask.findMany({
    where: { batchId: original.id, status: 'failed' },
    orderBy: { batchIndex: 'asc' },
    select: { prompt: true, model: true, parameters: true },
  });
  if (failed.length === 0) return err({ code: 'no_failed_tasks' });
  const body: CreateBatchRequest = {
    items: failed.map((task) => {
      const { seconds, size } = task.parameters as { seconds: number; size: string };
      return { prompt: task.prompt, model: task.model, seconds, size };
    }),
    ...(original.webhookUrl ? { webhook_url: original.webhookUrl } : {}),
    ...(original.metadata ? { metadata: original.metadata as Record<string, string> } : {}),
  };
  return admitBatch(db, queue, {
    accountId: request.accountId,
    idempotencyKey: request.idempotencyKey,
    requestId: request.requestId,
    body,
    rawBody: { retry_failed_of: original.id },
    allowPrivateNetworks: request.allowPrivateNetworks,
    ownEndpoint: request.ownEndpoint ?? null,
    retriedFromBatchId: original.id,
  });
}
