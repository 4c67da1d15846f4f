import { randomUUID } from 'node:crypto';
import { err, ok, type Result } from '@batchreel/billing';
import type { Database } from '@batchreel/db';
import type { WebhookTargetPolicy } from '../platform/outbound';
import type { Queue } from '../platform/queue';
import type { ErrorDetail } from '../platform/validation';
import { audit } from '../staff/audit';
import type { StaffUser } from '../staff/identity';
import { type AdmissionError, admitBatch } from './admission';
import { quoteBatchRequest } from './quote';
import { type RetryError, retryFailedTasks } from './retry-failed';
import type { BatchAdmitted, CreateBatchRequest } from './schemas';

// Batches made from the admin (live demos, support re-runs): the public API's quote and
// admission for an account, so the same validation, reservation and 402 rule.

/** The quote a batch would get, or the problems that keep it from being quoted. */
export interface StaffQuote {
  totalCount: number;
  costPerVideo: number | null;
  requiredCredits: number;
  availableCredits: number;
  wouldAdmit: boolean;
  problems: ErrorDetail[];
}

export async function quoteForAccount(
  db: Database,
  accountId: string,
  request: CreateBatchRequest,
  policy: WebhookTargetPolicy,
): Promise<StaffQuote> {
  const quoted = await quoteBatchRequest(db, accountId, request, policy);
  if (!quoted.ok) {
    return {
      totalCount: request.items.length,
      costPerVideo: null,
      requiredCredits: 0,
      availableCredits: 0,
      wouldAdmit: false,
      problems:
        quoted.error.code === 'invalid_items'
          ? quoted.error.details
          : [{ path: '', message: quoted.error.code }],
    };
  }
  const q = quoted.value;
  return {
    totalCount: q.total_count,
    costPerVideo: q.cost_per_video,
    requiredCredits: q.required_credits,
    availableCredits: q.available_credits,
    wouldAdmit: q.would_admit,
    problems: [],
  };
}

/** Admits a batch for an account on a staff member's behalf; the admission is audited. */
export async function admitForAccount(
  db: Database,
  queue: Queue,
  by: StaffUser,
  input: { accountId: string; request: CreateBatchRequest; policy: WebhookTargetPolicy },
): Promise<Result<{ batchId: string; requiredCredits: number }, AdmissionError>> {
  const admitted = await admitBatch(db, queue, {
    accountId: input.accountId,
    idempotencyKey: null,
    requestId: `admin_${randomUUID()}`,
    body: input.request,
    rawBody: input.request,
    allowPrivateNetworks: input.policy.allowPrivateNetworks,
    ownEndpoint: input.policy.ownEndpoint ?? null,
  });
  if (!admitted.ok) return admitted;
  // Without an idempotency key the answer is always the one just written, never a replay.
  const body = admitted.value.body as BatchAdmitted;
  await db.$transaction((tx) =>
    audit(tx, by, {
      action: 'batch.created',
      targetType: 'batch',
      targetId: body.batch_id,
      after: {
        account_id: input.accountId,
        items: input.request.items.length,
        required_credits: body.required_credits,
      },
    }),
  );
  return ok({ batchId: body.batch_id, requiredCredits: body.required_credits });
}

/**
 * Retries a settled batch's failed tasks as a new batch on a staff member's behalf (the public
 * API's `retry-failed`: same admission rules, linked both ways); audited.
 */
export async function retryForStaff(
  db: Database,
  queue: Queue,
  by: StaffUser,
  input: { batchId: string; policy: WebhookTargetPolicy },
): Promise<Result<{ batchId: string; requiredCredits: number }, RetryError>> {
  const original = await db.batchJob.findUnique({
    where: { id: input.batchId },
    select: { accountId: true },
  });
  if (!original) return err({ code: 'not_found' as const });
  const admitted = await retryFailedTasks(db, queue, {
    accountId: original.accountId,
    batchId: input.batchId,
    idempotencyKey: null,
    requestId: `admin_${randomUUID()}`,
    allowPrivateNetworks: input.policy.allowPrivateNetworks,
    ownEndpoint: input.policy.ownEndpoint ?? null,
  });
  if (!admitted.ok) return admitted;
  const body = admitted.value.body as BatchAdmitted;
  await db.$transaction((tx) =>
    audit(tx, by, {
      action: 'batch.retry_created',
      targetType: 'batch',
      targetId: body.batch_id,
      after: {
        account_id: original.accountId,
        retried_from_batch_id: input.batchId,
        items: body.total_count,
        required_credits: body.required_credits,
      },
    }),
  );
  return ok({ batchId: body.batch_id, requiredCredits: body.required_credits });
}
