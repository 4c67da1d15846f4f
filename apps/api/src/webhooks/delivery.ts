import type { Database } from '@batchreel/db';
import { signWebhook } from '@batchreel/webhooks';
import { fromPrisma } from 'pg-boss';
import { enqueue, jobs } from '../jobs/definitions';
import type { Logger } from '../platform/logger';
import { BlockedDestinationError, type OutboundClient } from '../platform/outbound';
import type { Queue } from '../platform/queue';
import { signingSecrets } from './secrets';

export interface DeliveryPolicy {
  /** Budget of one attempt: connect, send, answer. */
  timeoutMs: number;
  /** Delay before each retry (ms); its length is the number of retries after the first attempt. */
  retryScheduleMs: readonly number[];
  /** ± fraction applied to each delay, so receivers coming back up are not hit in lockstep. */
  jitter?: number;
}

export interface DeliveryDeps {
  db: Database;
  queue: Queue;
  outbound: OutboundClient;
  policy: DeliveryPolicy;
  logger: Logger;
  random?: () => number;
}

export interface DeliveryJob {
  deliveryId: string;
  /** 1-based number of this attempt over the delivery's life. */
  attempt: number;
  /** Position in the retry schedule a failure moves to; null = single attempt (redelivery). */
  nextRetry: number | null;
}

const MAX_RESPONSE_CHARS = 2_048;
const USER_AGENT = 'Batchreel-Webhooks/1.0 (+https://www.standardwebhooks.com)';

/** The delay before retry `index`, jittered; null when the schedule is exhausted. */
export function retryDelayMs(
  policy: DeliveryPolicy,
  index: number,
  random: () => number = Math.random,
): number | null {
  const base = policy.retryScheduleMs[index];
  if (base === undefined) return null;
  const jitter = policy.jitter ?? 0.2;
  return Math.max(0, Math.round(base * (1 - jitter + 2 * jitter * random())));
}

type Outcome =
  | { ok: true; statusCode: number; body: string; latencyMs: number }
  | { ok: false; statusCode: number | null; body: string | null; latencyMs: number; error: string };

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof BlockedDestinationError) return error.message;
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError')
      return `No answer within ${timeoutMs} ms.`;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (cause instanceof BlockedDestinationError) return cause.message;
    const code = (error as { code?: string }).code ?? cause?.code;
    return `Could not connect: ${code ? `${code} ` : ''}${cause?.message ?? error.message}`.trim();
  }
  return String(error);
}

/** One POST; never throws. Only a 2xx counts as delivered (a redirect is not followed). */
async function post(
  deps: DeliveryDeps,
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<Outcome> {
  const started = performance.now();
  try {
    const response = await deps.outbound.post({
      url,
      headers,
      body,
      timeoutMs: deps.policy.timeoutMs,
      maxResponseChars: MAX_RESPONSE_CHARS,
    });
    if (response.statusCode >= 200 && response.statusCode < 300) return { ok: true, ...response };
    const error =
      response.statusCode >= 300 && response.statusCode < 400
        ? `Answered ${response.statusCode}: redirects are not followed; configure the final URL.`
        : `Answered ${response.statusCode}; only 2xx counts as delivered.`;
    return { ok: false, ...response, error };
  } catch (error) {
    return {
      ok: false,
      statusCode: null,
      body: null,
      latencyMs: Math.round(performance.now() - started),
      error: describeFailure(error, deps.policy.timeoutMs),
    };
  }
}

/**
 * One delivery attempt (the `webhook-deliver` handler). Sends the stored event, signed with every
 * active secret of the account, then records the attempt and its consequence in one
 * transaction: delivered, failed for good, or the next attempt scheduled as a delayed job.
 *
 * The HTTP call runs outside any transaction, so a slow receiver holds no database connection.
 * A job that no longer matches the delivery (already delivered, or a duplicate run by pg-boss)
 * does nothing. Delivery is at least once: a worker killed between the POST and the record
 * sends again with the same `webhook-id`, which is how receivers recognise duplicates.
 */
export async function attemptDelivery(deps: DeliveryDeps, job: DeliveryJob): Promise<void> {
  const { db, logger } = deps;
  const delivery = await db.webhookDelivery.findUnique({ where: { id: job.deliveryId } });
  if (delivery?.status !== 'pending' || delivery.attemptCount !== job.attempt - 1) {
    return; // stale or duplicate job
  }
  const secrets = await signingSecrets(db, delivery.accountId);
  const body = JSON.stringify(delivery.payload);
  const headers = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    ...signWebhook({
      id: delivery.eventId,
      body,
      secrets: [secrets.current.secret, ...secrets.previous.map((p) => p.secret)],
    }),
  };
  const outcome = await post(deps, delivery.url, headers, body);

  const now = new Date();
  const delay =
    outcome.ok || job.nextRetry === null
      ? null
      : retryDelayMs(deps.policy, job.nextRetry, deps.random);
  const status = outcome.ok ? 'delivered' : delay === null ? 'failed' : 'pending';
  const recorded = await db.$transaction(async (tx) => {
    const [current] = await tx.$queryRaw<{ status: string; attempt_count: number }[]>`
      SELECT status::text, attempt_count FROM webhook_deliveries
       WHERE id = ${delivery.id}::uuid FOR UPDATE`;
    // A concurrent run of the same job got here first; its record stands.
    if (current?.status !== 'pending' || current.attempt_count !== job.attempt - 1) return false;
    await tx.webhookAttempt.create({
      data: {
        deliveryId: delivery.id,
        attemptedAt: now,
        statusCode: outcome.statusCode,
        latencyMs: outcome.latencyMs,
        error: outcome.ok ? null : outcome.error,
        responseBody: outcome.body,
      },
    });
    const nextAttemptAt = delay === null ? null : new Date(now.getTime() + delay);
    await tx.webhookDelivery.update({
      where: { id: delivery.id },
      data: {
        status,
        attemptCount: job.attempt,
        nextAttemptAt,
        lastError: outcome.ok ? null : outcome.error,
        ...(outcome.ok ? { deliveredAt: now } : {}),
      },
    });
    if (nextAttemptAt && job.nextRetry !== null) {
      await enqueue(
        deps.queue,
        jobs.webhookDeliver,
        { deliveryId: delivery.id, attempt: job.attempt + 1, nextRetry: job.nextRetry + 1 },
        { db: fromPrisma(tx), startAfter: nextAttemptAt },
      );
    }
    return true;
  });
  if (!recorded) return;
  const fields = {
    deliveryId: delivery.id,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    attempt: job.attempt,
    statusCode: outcome.statusCode,
    latencyMs: outcome.latencyMs,
  };
  if (outcome.ok) logger.info(fields, 'webhook delivered');
  else if (status === 'failed')
    logger.warn({ ...fields, error: outcome.error }, 'webhook delivery failed for good');
  else
    logger.info(
      { ...fields, error: outcome.error, retryInMs: delay },
      'webhook attempt failed; retry scheduled',
    );
}

export type RedeliverOutcome = 'queued' | 'not_found' | 'in_progress';

/**
 * Sends a delivery again, with the same event id and payload: one immediate attempt, whatever
 * happened before (a client that lost a delivered event may ask too). A delivery still pending
 * is refused, because its retry schedule is already running. With `accountId`, another
 * account's delivery is `not_found`.
 */
export async function redeliver(
  db: Database,
  queue: Queue,
  deliveryId: string,
  scope: { accountId?: string; actor: string; actorUserId?: string | null },
): Promise<RedeliverOutcome> {
  return db.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<
      { account_id: string; status: string; attempt_count: number }[]
    >`
      SELECT account_id, status::text, attempt_count FROM webhook_deliveries
       WHERE id = ${deliveryId}::uuid FOR UPDATE`;
    if (!row || (scope.accountId !== undefined && row.account_id !== scope.accountId))
      return 'not_found';
    if (row.status === 'pending') return 'in_progress';
    const now = new Date();
    await tx.webhookDelivery.update({
      where: { id: deliveryId },
      data: { status: 'pending', nextAttemptAt: now },
    });
    await enqueue(
      queue,
      jobs.webhookDeliver,
      { deliveryId, attempt: row.attempt_count + 1, nextRetry: null },
      { db: fromPrisma(tx) },
    );
    await tx.auditLog.create({
      data: {
        actor: scope.actor,
        actorUserId: scope.actorUserId ?? null,
        action: 'webhook_delivery.redelivered',
        targetType: 'webhook_delivery',
        targetId: deliveryId,
        before: { status: row.status, attempt_count: row.attempt_count },
        after: { status: 'pending' },
      },
    });
    return 'queued';
  });
}
