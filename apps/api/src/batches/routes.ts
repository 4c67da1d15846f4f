import type { z } from 'zod';
import { exceededBudgetBody } from '../finance/wire';
import { ApiError } from '../http/errors';
import { restPage, unknownCursor } from '../http/page';
import { defineRoute } from '../http/route';
import { idPrefixRange } from '../platform/ids';
import { type AdmissionError, admitBatch } from './admission';
import { quoteBatchRequest } from './quote';
import { getBatch, listBatches, listTasks } from './read';
import { type RetryError, retryFailedTasks } from './retry-failed';
import {
  BatchAdmittedSchema,
  BatchIdParamsSchema,
  BatchListQuerySchema,
  BatchPageSchema,
  BatchSchema,
  CreateBatchRequestSchema,
  QuoteResponseSchema,
  RetryAdmittedSchema,
  TaskListQuerySchema,
  TaskPageSchema,
} from './schemas';
import { batchBody, batchSummaryBody, taskBody } from './wire';

/** Business refusals of admission, as the public API answers them. */
export function admissionError(error: AdmissionError): ApiError {
  switch (error.code) {
    case 'invalid_items':
      return new ApiError(
        'invalid_request',
        'Some items cannot be generated as asked; see details.',
        error.details,
      );
    case 'insufficient_credits':
      return new ApiError(
        'insufficient_credits',
        `This batch needs ${error.requiredCredits} credits but the account has ${error.availableCredits} available. Nothing was created or charged.`,
        [],
        { required_credits: error.requiredCredits, available_credits: error.availableCredits },
      );
    case 'budget_exceeded': {
      const { budget } = error;
      const target =
        budget.budget.scope === 'account'
          ? 'the account'
          : budget.budget.scope === 'project'
            ? `project ${budget.budget.projectId}`
            : `API key ${budget.budget.apiKeyId}`;
      return new ApiError(
        'budget_exceeded',
        `This batch needs ${budget.needCredits} credits of the ${budget.budget.enforcement} cap of ${budget.budget.capCredits} credits on ${target}${budget.budget.model ? ` for ${budget.budget.model}` : ''} in ${budget.period.month}, which has ${budget.usedCredits} used and ${budget.remainingCredits} left. Nothing was created or charged.`,
        [],
        { required_credits: error.requiredCredits, budget: exceededBudgetBody(budget) },
      );
    }
    case 'request_in_progress':
      return new ApiError(
        'request_in_progress',
        'A request with this X-Request-ID is still being processed; retry in a moment to get its answer.',
        [],
        {},
        { 'retry-after': '1' },
      );
    case 'idempotency_key_reused':
      return new ApiError(
        'idempotency_key_reused',
        'This X-Request-ID was already used with a different body. Use a new X-Request-ID for a new batch.',
        [{ path: 'headers.x-request-id', message: 'Already used with a different body.' }],
      );
  }
}

function retryError(id: string, error: RetryError): ApiError {
  switch (error.code) {
    case 'not_found':
      return notFound(id);
    case 'batch_not_settled':
      return new ApiError(
        'batch_not_settled',
        `Batch ${id} is still running; retry its failed tasks once it has settled.`,
      );
    case 'no_failed_tasks':
      return new ApiError('no_failed_tasks', `Batch ${id} has no failed task to retry.`);
    default:
      return admissionError(error);
  }
}

function notFound(id: string) {
  return new ApiError('not_found', `No batch ${id} for this account.`);
}

export const batchRoutes = [
  defineRoute({
    method: 'POST',
    path: '/api/enterprise/video-batch',
    operationId: 'createBatch',
    tag: 'Batches',
    summary: 'Submit a batch of video prompts',
    description:
      'Quotes the batch and admits it when the account can pay: `202` with the quote, or `402` and nothing created. ' +
      'Send `X-Request-ID` to make retries safe: the same id and body replay the original answer (`Idempotent-Replayed: true`).',
    body: CreateBatchRequestSchema,
    idempotent: true,
    responses: {
      202: { description: 'Admitted and queued.', schema: BatchAdmittedSchema },
    },
    errors: [
      'insufficient_credits',
      'budget_exceeded',
      'request_in_progress',
      'idempotency_key_reused',
    ],
    async handler({ principal, body, rawBody, requestId, clientRequestId, deps, request }) {
      const result = await admitBatch(deps.db, deps.queue, {
        accountId: principal.accountId,
        apiKeyId: principal.keyId,
        idempotencyKey: clientRequestId,
        requestId,
        body,
        rawBody,
        allowPrivateNetworks: deps.config.allowPrivateNetworks,
        ownEndpoint: deps.config.ownEndpoint ?? null,
      });
      if (!result.ok) throw admissionError(result.error);
      const { body: answer, replayed } = result.value;
      request.log.info(
        {
          replayed,
          batchId: (answer as { batch_id?: string }).batch_id,
          items: body.items.length,
        },
        replayed ? 'batch admission replayed' : 'batch admitted',
      );
      const headers: Record<string, string> = replayed ? { 'idempotent-replayed': 'true' } : {};
      // The admitted answer as admission wrote it, or replays it from the idempotency record
      // as stored (JSON, hence untyped there); admission answers and records 202 only.
      return { status: 202, body: answer as z.input<typeof BatchAdmittedSchema>, headers };
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/api/enterprise/video-batch/quote',
    operationId: 'quoteBatch',
    tag: 'Batches',
    summary: 'Quote a batch without submitting it',
    description:
      'The same body and validation as submitting, answered with the quote and whether it would be admitted now. Creates and reserves nothing.',
    body: CreateBatchRequestSchema,
    responses: { 200: { description: 'The quote.', schema: QuoteResponseSchema } },
    errors: [],
    async handler({ principal, body, deps }) {
      const result = await quoteBatchRequest(deps.db, principal.accountId, body, deps.config, {
        apiKeyId: principal.keyId,
      });
      if (!result.ok) throw admissionError(result.error);
      return { status: 200, body: result.value };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/enterprise/video-batches',
    operationId: 'listBatches',
    tag: 'Batches',
    summary: "List the account's batches",
    description:
      'Newest first, cursor-paginated, optionally of one status. `id_prefix` finds a batch by the start of its id (the 8-character short id the admin and the CLI show, or any 4 to 32 hex digits): a unique prefix answers one batch, an ambiguous one every batch it matches. Items are the batch read without `breakdown`.',
    query: BatchListQuerySchema,
    responses: { 200: { description: 'A page of batches.', schema: BatchPageSchema } },
    errors: [],
    async handler({ principal, query, deps }) {
      // The schema refused a malformed prefix already: a range is all that is left.
      const range = query.id_prefix === undefined ? undefined : idPrefixRange(query.id_prefix);
      if (range && 'problem' in range) throw new Error(`unchecked id_prefix: ${range.problem}`);
      const page = await listBatches(deps.db, principal.accountId, { ...query, idPrefix: range });
      if (page === 'bad_cursor') throw unknownCursor();
      return { status: 200, body: restPage(page, batchSummaryBody) };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/enterprise/video-batch/{id}',
    operationId: 'getBatch',
    tag: 'Batches',
    summary: 'Get a batch: status, counts and billing',
    description:
      'Counts are live while the batch runs. Billing: `frozen_credits` at start, refunds as tasks fail, `credits_spent` at settlement.',
    params: BatchIdParamsSchema,
    responses: { 200: { description: 'The batch.', schema: BatchSchema } },
    errors: ['not_found'],
    async handler({ principal, params, deps }) {
      const batch = await getBatch(deps.db, principal.accountId, params.id);
      if (!batch) throw notFound(params.id);
      return { status: 200, body: batchBody(batch) };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/enterprise/video-batch/{id}/tasks',
    operationId: 'listBatchTasks',
    tag: 'Batches',
    summary: "List a batch's tasks",
    description: 'In request order (`batch_index`), optionally of one status; cursor-paginated.',
    params: BatchIdParamsSchema,
    query: TaskListQuerySchema,
    responses: { 200: { description: 'A page of tasks.', schema: TaskPageSchema } },
    errors: ['not_found'],
    async handler({ principal, params, query, deps, baseUrl }) {
      const page = await listTasks(deps.db, principal.accountId, params.id, query);
      if (page === null) throw notFound(params.id);
      if (page === 'bad_cursor') throw unknownCursor();
      return { status: 200, body: restPage(page, (task) => taskBody(task, baseUrl)) };
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/api/enterprise/video-batch/{id}/retry-failed',
    operationId: 'retryFailedTasks',
    tag: 'Batches',
    summary: "Retry a batch's failed tasks as a new batch",
    description:
      "A new batch of the settled batch's `failed` tasks (canceled ones are not retried), with the same prompts, models, lengths and sizes, the same `webhook_url` and `metadata`. It is quoted and admitted like `POST /video-batch`: `402` and nothing created when the account cannot pay, idempotent on `X-Request-ID`. The new batch names the original in `retried_from_batch_id`; the original lists it in `retry_batch_ids`.",
    params: BatchIdParamsSchema,
    idempotent: true,
    responses: {
      202: { description: 'The retry batch, admitted and queued.', schema: RetryAdmittedSchema },
    },
    errors: [
      'not_found',
      'batch_not_settled',
      'no_failed_tasks',
      'insufficient_credits',
      'request_in_progress',
      'idempotency_key_reused',
    ],
    async handler({ principal, params, requestId, clientRequestId, deps, request }) {
      const result = await retryFailedTasks(deps.db, deps.queue, {
        accountId: principal.accountId,
        batchId: params.id,
        idempotencyKey: clientRequestId,
        requestId,
        allowPrivateNetworks: deps.config.allowPrivateNetworks,
        ownEndpoint: deps.config.ownEndpoint ?? null,
      });
      if (!result.ok) throw retryError(params.id, result.error);
      const { body: answer, replayed } = result.value;
      request.log.info(
        { replayed, retriedFrom: params.id, batchId: (answer as { batch_id?: string }).batch_id },
        replayed ? 'retry admission replayed' : 'retry batch admitted',
      );
      const headers: Record<string, string> = replayed ? { 'idempotent-replayed': 'true' } : {};
      return { status: 202, body: answer as z.input<typeof RetryAdmittedSchema>, headers };
    },
  }),
];
