import { createHash } from 'node:crypto';
import { decideAdmission, err, ok, type Quote, quoteBatch, type Result } from '@batchreel/billing';
import { type Database, Prisma } from '@batchreel/db';
import { fromPrisma } from 'pg-boss';
import stringify from 'safe-stable-stringify';
import { alertOnAdmission } from '../finance/alerts';
import { type BudgetExceeded, checkBudgets } from '../finance/budgets';
import { accountTimeZone } from '../finance/periods';
import { enqueue, jobs } from '../jobs/definitions';
import { readAvailability } from '../ledger/availability';
import { catalogueEntries } from '../models/pricing';
import {
  blockedHostReason,
  isOwnEndpoint,
  type OwnEndpoint,
  type WebhookTargetPolicy,
} from '../platform/outbound';
import type { Queue } from '../platform/queue';
import type { ErrorDetail } from '../platform/validation';
import { itemDetails } from './item-problems';
import type { BatchAdmitted, CreateBatchRequest } from './schemas';

/** How long an `X-Request-ID` is remembered for replay (docs/product.md §3: at least 24 hours). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A 10,000-item request with every item wrong must not answer with 10,000 details. */
const MAX_ITEM_DETAILS = 100;

export interface AdmissionRequest {
  accountId: string;
  /** The API key that submits the batch (its budgets and its project's apply); null from the admin. */
  apiKeyId?: string | null;
  /** The client's `X-Request-ID`, which makes the request idempotent; null without one. */
  idempotencyKey: string | null;
  /** The id this request answers with (`request_id`): the client's, or one we assigned. */
  requestId: string;
  body: CreateBatchRequest;
  /** The JSON body as received, for the idempotency fingerprint. */
  rawBody: unknown;
  /** Whether `webhook_url` may use plain http (local development and tests). */
  allowPrivateNetworks: boolean;
  /** This service's own demo receiver, a permitted `webhook_url` (http included) when set. */
  ownEndpoint?: OwnEndpoint | null;
  /** The batch whose failed tasks this one re-runs (`retry-failed`), linked on the new batch. */
  retriedFromBatchId?: string | null;
}

/** A request that makes it through admission: answered now, or the original answer replayed. */
export interface AdmissionResponse {
  status: number;
  body: unknown;
  replayed: boolean;
}

export type AdmissionError =
  | { code: 'invalid_items'; details: ErrorDetail[] }
  | { code: 'insufficient_credits'; requiredCredits: number; availableCredits: number }
  | {
      code: 'budget_exceeded';
      requiredCredits: number;
      /** The tightest hard cap the batch would cross (it names the refusal). */
      budget: BudgetExceeded;
    }
  | { code: 'request_in_progress' }
  | { code: 'idempotency_key_reused' };

/** The validated, priced form of a request: what a quote answers and admission writes. */
export interface PricedBatch {
  quote: Quote;
  /** Each item's parameters with the model's defaults filled in. */
  parameters: { seconds: number; size: string }[];
}

/**
 * Checks the webhook URL against configuration, fills in each item's default length and size,
 * and quotes the batch with `packages/billing`, which also says what the catalogue refuses
 * (unknown, disabled or retired model; a length or size the model does not offer). Reads the
 * models table only.
 */
export async function priceBatch(
  db: Database,
  body: CreateBatchRequest,
  options: WebhookTargetPolicy,
): Promise<Result<PricedBatch, AdmissionError>> {
  const details: ErrorDetail[] = [];
  let omitted = 0;
  const problem = (path: string, message: string) => {
    if (details.length < MAX_ITEM_DETAILS) details.push({ path, message });
    else omitted++;
  };

  if (body.webhook_url) {
    const url = new URL(body.webhook_url);
    // Plain http only where private networks are allowed too (local development and tests), or
    // to this service's own demo receiver.
    if (
      url.protocol !== 'https:' &&
      !options.allowPrivateNetworks &&
      !isOwnEndpoint(url, options.ownEndpoint)
    ) {
      problem('webhook_url', 'Must use https.');
    }
    if (url.username || url.password) problem('webhook_url', 'Must not contain credentials.');
    // IP literals in every spelling and localhost names are refused here with a clear answer;
    // other names are judged again after DNS, when a delivery connects (platform/outbound.ts).
    const blocked = blockedHostReason(url, options);
    if (blocked) problem('webhook_url', blocked);
  }

  const modelIds = [...new Set(body.items.map((item) => item.model))];
  const catalogue = await catalogueEntries(db, modelIds);
  // An item may leave its length and size out: the model's first allowed ones apply, and that
  // is what is priced and stored. Unknown models get nothing; the quote reports them.
  const items = body.items.map((item) => {
    const entry = catalogue.get(item.model);
    return {
      model: item.model,
      seconds: item.seconds ?? entry?.defaultSeconds,
      size: item.size ?? entry?.defaultSize,
    };
  });
  const prices = new Map([...catalogue].map(([id, entry]) => [id, entry.price]));
  const quoted = quoteBatch(items, prices);
  if (!quoted.ok) {
    // `empty_batch` cannot happen: the request schema asks for at least one item.
    const problems = quoted.error.code === 'empty_batch' ? [] : quoted.error.problems;
    for (const detail of itemDetails(problems)) problem(detail.path, detail.message);
  }
  if (omitted > 0) problem('items', `…and ${omitted} more problems.`);
  if (details.length > 0 || !quoted.ok) return err({ code: 'invalid_items', details });
  const parameters = items.map(({ seconds, size }) => ({
    seconds: seconds as number,
    size: size as string,
  }));
  return ok({ quote: quoted.value, parameters });
}

/** The request's fingerprint: the same JSON, whatever its key order or whitespace. */
export function fingerprint(rawBody: unknown): string {
  return createHash('sha256')
    .update(stringify(rawBody) ?? '')
    .digest('hex');
}

export function quoteResponseFields(quote: Quote) {
  return {
    total_count: quote.totalCount,
    cost_per_video: quote.costPerVideo,
    required_credits: quote.requiredCredits,
    breakdown: quote.breakdown.map((line) => ({
      model: line.model,
      count: line.count,
      price_credits: line.priceCredits,
      subtotal_credits: line.subtotalCredits,
      pricing: line.variants ? ('per_second' as const) : ('per_video' as const),
      ...(line.variants
        ? {
            variants: line.variants.map((v) => ({
              seconds: v.seconds,
              size: v.size,
              count: v.count,
              credits_per_second: v.creditsPerSecond,
              price_credits: v.priceCredits,
              subtotal_credits: v.subtotalCredits,
            })),
          }
        : {}),
    })),
  };
}

/**
 * Admits a batch (docs/product.md §3): in ONE transaction it checks the idempotency key, locks the account,
 * checks `required_credits` against available credits, and writes the batch, its tasks, the
 * idempotency record and the `batch-start` job. Any failure rolls all of it back, so there is
 * never a batch without its job, a job without its batch, or a reservation without either.
 *
 * Concurrency: requests with the same key are told apart by a transaction-scoped advisory lock
 * (the loser gets `request_in_progress`, later ones the replay); admissions of one account queue
 * on its row lock, so the reservation can never over-commit the balance.
 */
export async function admitBatch(
  db: Database,
  queue: Queue,
  request: AdmissionRequest,
): Promise<Result<AdmissionResponse, AdmissionError>> {
  const priced = await priceBatch(db, request.body, request);
  if (!priced.ok) return priced;
  const { quote, parameters } = priced.value;
  const requestHash = request.idempotencyKey ? fingerprint(request.rawBody) : null;

  return db.$transaction(
    async (tx) => {
      if (request.idempotencyKey) {
        const [{ locked }] = (await tx.$queryRaw<{ locked: boolean }[]>`
          SELECT pg_try_advisory_xact_lock(hashtext(${request.accountId}), hashtext(${request.idempotencyKey})) AS locked`) as [
          { locked: boolean },
        ];
        if (!locked) return err({ code: 'request_in_progress' as const });
        const previous = await tx.idempotencyKey.findUnique({
          where: {
            accountId_requestId: {
              accountId: request.accountId,
              requestId: request.idempotencyKey,
            },
          },
        });
        if (previous && previous.expiresAt.getTime() > Date.now()) {
          if (previous.requestHash !== requestHash) {
            return err({ code: 'idempotency_key_reused' as const });
          }
          return ok({
            status: previous.responseStatus ?? 202,
            body: previous.responseBody,
            replayed: true,
          });
        }
        // An expired key may be used again: forget the old answer.
        if (previous) await tx.idempotencyKey.delete({ where: { id: previous.id } });
      }

      const availability = await readAvailability(tx, request.accountId, { lock: true });
      const decision = decideAdmission(quote, availability);
      if (!decision.admitted) {
        return err({
          code: 'insufficient_credits' as const,
          requiredCredits: decision.requiredCredits,
          availableCredits: decision.availableCredits,
        });
      }

      // Budgets under the same lock as the balance: concurrent admissions see each other's
      // batches, so a hard cap is never overshot (docs/finance-controls.md).
      const who = await attribution(tx, request);
      const budgets = await checkBudgets(tx, {
        accountId: request.accountId,
        timeZone: (await accountTimeZone(tx, request.accountId)) ?? 'UTC',
        who,
        quote,
      });
      const tightest = budgets.exceeded[0];
      if (tightest) {
        return err({
          code: 'budget_exceeded' as const,
          requiredCredits: quote.requiredCredits,
          budget: tightest,
        });
      }

      const batch = await tx.batchJob.create({
        data: {
          accountId: request.accountId,
          apiKeyId: who.apiKeyId,
          projectId: who.projectId,
          requestId: request.requestId,
          totalCount: quote.totalCount,
          costPerVideo: quote.costPerVideo,
          requiredCredits: quote.requiredCredits,
          webhookUrl: request.body.webhook_url ?? null,
          metadata: request.body.metadata ?? Prisma.DbNull,
          retriedFromBatchId: request.retriedFromBatchId ?? null,
        },
        select: { id: true },
      });
      await insertTasks(tx, batch.id, request, quote, parameters);
      await enqueue(queue, jobs.batchStart, { batchId: batch.id }, { db: fromPrisma(tx) });
      await alertOnAdmission(tx, queue, batch.id, budgets.evaluations);

      const body: BatchAdmitted & { retried_from_batch_id?: string } = {
        ok: true,
        batch_id: batch.id,
        ...quoteResponseFields(quote),
        available_credits: decision.availableCredits,
        status: 'queued',
        request_id: request.requestId,
        balance_snapshot: true,
        enqueue: 'queued',
        ...(request.retriedFromBatchId
          ? { retried_from_batch_id: request.retriedFromBatchId }
          : {}),
      };
      if (request.idempotencyKey && requestHash) {
        const rememberedAt = new Date();
        await tx.idempotencyKey.create({
          data: {
            accountId: request.accountId,
            requestId: request.idempotencyKey,
            requestHash,
            status: 'completed',
            responseStatus: 202,
            responseBody: body,
            batchId: batch.id,
            createdAt: rememberedAt,
            expiresAt: new Date(rememberedAt.getTime() + IDEMPOTENCY_TTL_MS),
          },
        });
      }
      return ok({ status: 202, body, replayed: false });
    },
    // 10,000 tasks take a few hundred milliseconds; leave room on a loaded machine.
    { timeout: 60_000, maxWait: 20_000 },
  );
}

/** The key that submits the batch and the project it belongs to now (fixed on the batch). */
async function attribution(tx: Prisma.TransactionClient, request: AdmissionRequest) {
  if (!request.apiKeyId) return { apiKeyId: null, projectId: null };
  const key = await tx.apiKey.findFirst({
    where: { id: request.apiKeyId, accountId: request.accountId },
    select: { projectId: true },
  });
  if (!key) throw new Error(`admission for key ${request.apiKeyId} of another account`);
  return { apiKeyId: request.apiKeyId, projectId: key.projectId };
}

/**
 * All tasks in one statement: the rows travel as one JSON array and PostgreSQL unpacks them with
 * `jsonb_to_recordset` (one round trip and no bind-parameter limit, however many items).
 */
async function insertTasks(
  tx: Prisma.TransactionClient,
  batchId: string,
  request: AdmissionRequest,
  quote: Quote,
  parameters: PricedBatch['parameters'],
) {
  const rows = request.body.items.map((item, index) => ({
    i: index,
    p: item.prompt,
    m: item.model,
    params: parameters[index],
    c: quote.itemPrices[index],
  }));
  await tx.$executeRaw`
    INSERT INTO video_tasks (batch_id, account_id, batch_index, prompt, model, parameters, cost_credits)
    SELECT ${batchId}::uuid, ${request.accountId}::uuid, t.i, t.p, t.m, t.params, t.c
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS t(i integer, p text, m text, params jsonb, c integer)`;
}
