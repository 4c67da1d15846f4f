import {
  BATCH_STATUSES,
  LEDGER_REF_TYPES,
  SETTLEMENT_STATUSES,
  TASK_STATUSES,
} from '@batchreel/contracts';
import { z } from 'zod';
import { isUuid } from '../platform/ids';
import { staffError } from '../trpc/errors';
import { IdPrefixInput } from '../trpc/id-prefix';
import { CursorInput, LimitInput, pageOutput, unknownCursor } from '../trpc/pages';
import { financeProcedure, router, supportProcedure } from '../trpc/trpc';
import {
  batchBilling,
  batchOverview,
  batchTasks,
  failedTaskErrorCodes,
  listAllBatches,
  searchFailedTasks,
} from './admin-queries';
import type { AdmissionError } from './admission';
import { CreateBatchRequestSchema } from './schemas';
import { admitForAccount, quoteForAccount, retryForStaff } from './staff-admission';

const Uuid = z.uuid();

export const BatchRowSchema = z.object({
  batchId: z.uuid(),
  accountId: z.uuid(),
  accountName: z.string(),
  status: z.enum(BATCH_STATUSES),
  settlementStatus: z.enum(SETTLEMENT_STATUSES),
  totalCount: z.int(),
  successCount: z.int(),
  failedCount: z.int(),
  requiredCredits: z.int(),
  frozenCredits: z.int(),
  creditsSpent: z.int(),
  refundedCredits: z.int(),
  createdAt: z.date(),
  settledAt: z.date().nullable(),
  integrityError: z.string().nullable(),
});

const TaskRowSchema = z.object({
  taskId: z.uuid(),
  batchId: z.uuid(),
  batchIndex: z.int(),
  accountId: z.uuid(),
  prompt: z.string(),
  model: z.string(),
  status: z.enum(TASK_STATUSES),
  attempts: z.int(),
  costCredits: z.int(),
  videoUrl: z.string().nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
});

/** The stored copy of a task's video, as the Tasks tab shows it (plays through /admin/videos). */
const StoredVideoSchema = z.object({
  sizeBytes: z.number(),
  contentType: z.string(),
  sha256: z.string(),
  durationSeconds: z.number().nullable(),
  storedAt: z.date(),
  expiresAt: z.date(),
  deletedAt: z.date().nullable(),
});

const BatchDetailSchema = z.object({
  batchId: z.uuid(),
  accountId: z.uuid(),
  accountName: z.string(),
  requestId: z.string().nullable(),
  status: z.enum(BATCH_STATUSES),
  settlementStatus: z.enum(SETTLEMENT_STATUSES),
  totalCount: z.int(),
  successCount: z.int(),
  failedCount: z.int(),
  canceledCount: z.int(),
  pendingCount: z.int(),
  costPerVideo: z.int().nullable(),
  requiredCredits: z.int(),
  // The REST read's figures (`batchMoney`): so far while running, settled afterwards; they
  // always add up: frozen = spent + refunded + pending, net = frozen − refunded.
  frozenCredits: z.int(),
  creditsSpent: z.int(),
  refundedCredits: z.int(),
  pendingCredits: z.int(),
  netSpentCredits: z.int(),
  webhookUrl: z.string().nullable(),
  metadata: z.record(z.string(), z.string()).nullable(),
  integrityError: z.string().nullable(),
  /** The batch whose failed tasks this one re-runs, and the batches re-running this one's. */
  retriedFromBatchId: z.uuid().nullable(),
  retryBatchIds: z.array(z.uuid()),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  settledAt: z.date().nullable(),
});

const BillingSchema = z.object({
  upfrontCredits: z.int().meta({ description: 'Credits taken by the batch_upfront row.' }),
  refundedCredits: z.int().meta({ description: 'Σ batch_refund rows so far.' }),
  netSpentCredits: z.int().meta({ description: 'upfront − refunded.' }),
  creditsSpent: z.int().meta({ description: 'Σ price of succeeded tasks (so far, or settled).' }),
  pendingCredits: z.int().meta({ description: 'Still frozen for unfinished tasks.' }),
  settled: z.boolean(),
  rows: z.array(
    z.object({
      id: z.string(),
      refType: z.enum(LEDGER_REF_TYPES),
      taskId: z.uuid().nullable(),
      taskIndex: z.int().nullable(),
      creditsDelta: z.int(),
      balanceAfter: z.int(),
      memo: z.string().nullable(),
      actor: z.string(),
      createdAt: z.date(),
      /** The hash chain (docs/ledger.md): shown when a row is expanded. */
      prevHash: z.string().nullable(),
      rowHash: z.string().nullable(),
    }),
  ),
});

const BatchRequestInput = z.object({ accountId: Uuid, request: CreateBatchRequestSchema });

const batchNotFound = () => staffError('NOT_FOUND', 'batch_not_found', 'Batch not found.');

/** Admission's refusals, as the admin app shows them. */
function admissionRefused(error: AdmissionError) {
  switch (error.code) {
    case 'insufficient_credits':
      return staffError(
        'PRECONDITION_FAILED',
        'insufficient_credits',
        `Insufficient credits: ${error.requiredCredits} required, ${error.availableCredits} available.`,
        { required: error.requiredCredits, available: error.availableCredits },
      );
    case 'budget_exceeded':
      return staffError(
        'PRECONDITION_FAILED',
        'budget_exceeded',
        `Budget exceeded: the ${error.budget.budget.scope} cap of ${error.budget.budget.capCredits} has ${error.budget.remainingCredits} left; ${error.budget.needCredits} needed.`,
        {
          scope: error.budget.budget.scope,
          cap: error.budget.budget.capCredits,
          used: error.budget.usedCredits,
          needed: error.budget.needCredits,
        },
      );
    case 'invalid_items': {
      const details = error.details.map((d) => `${d.path}: ${d.message}`).join('; ');
      return staffError('BAD_REQUEST', 'invalid_items', details, { details });
    }
    default:
      return staffError('BAD_REQUEST', 'admission_refused', error.code, { code: error.code });
  }
}

export const batchesAdminRouter = router({
  list: supportProcedure
    .input(
      z.object({
        /** A batch id or its start: every batch whose id begins so. */
        idPrefix: IdPrefixInput.optional(),
        accountId: Uuid.optional(),
        status: z.enum(BATCH_STATUSES).optional(),
        from: z.date().optional(),
        to: z.date().optional(),
        limit: LimitInput(100, 25),
        cursor: CursorInput,
      }),
    )
    .output(pageOutput(BatchRowSchema))
    .query(async ({ ctx, input }) => {
      const page = await listAllBatches(ctx.db, input);
      if (page === 'bad_cursor') throw unknownCursor();
      return page;
    }),

  /** The Overview tab: status, counts (live while running) and the batch's money figures. */
  get: supportProcedure
    .input(z.object({ batchId: z.string().max(100) }))
    .output(BatchDetailSchema)
    .query(async ({ ctx, input }) => {
      const batch = isUuid(input.batchId) ? await batchOverview(ctx.db, input.batchId) : null;
      if (!batch) throw batchNotFound();
      const { breakdown: _lines, webhookDeliveries: _deliveries, ...overview } = batch;
      return overview;
    }),

  /** The Billing tab: the batch's ledger rows and their totals, straight from the ledger. */
  billing: financeProcedure
    .input(z.object({ batchId: Uuid }))
    .output(BillingSchema)
    .query(({ ctx, input }) => batchBilling(ctx.db, input.batchId)),

  /** The Tasks tab: keyset pages in request order, optionally of one status. */
  tasks: supportProcedure
    .input(
      z.object({
        batchId: Uuid,
        status: z.enum(TASK_STATUSES).optional(),
        /** Only this task (a ledger row's link to the task it refunds). */
        taskId: Uuid.optional(),
        limit: LimitInput(500, 50),
        cursor: CursorInput,
      }),
    )
    .output(
      pageOutput(
        TaskRowSchema.extend({ refunded: z.boolean(), video: StoredVideoSchema.nullable() }),
      ),
    )
    .query(async ({ ctx, input }) => {
      const { batchId, taskId, ...query } = input;
      const page = await batchTasks(ctx.db, batchId, query, taskId ? { taskId } : {});
      if (page === null) throw batchNotFound();
      if (page === 'bad_cursor') throw unknownCursor();
      return page;
    }),

  /** Support's failed-task search. */
  searchFailed: supportProcedure
    .input(
      z.object({
        errorCode: z.string().max(100).optional(),
        // Trigrams need 3 characters: a shorter text could only be answered by reading every failure.
        text: z.string().trim().min(3, 'Type at least 3 characters.').max(200).optional(),
        /** A batch id or a unique start of one (an ambiguous start lists its candidates instead). */
        batchId: IdPrefixInput.optional(),
        /** A task id or its start. */
        taskId: IdPrefixInput.optional(),
        accountId: Uuid.optional(),
        model: z.string().max(200).optional(),
        from: z.date().optional(),
        to: z.date().optional(),
        limit: LimitInput(200, 50),
        cursor: CursorInput,
      }),
    )
    .output(
      pageOutput(TaskRowSchema.extend({ accountName: z.string() })).extend({
        /** The batches an ambiguous batch-id prefix matches (then `items` is empty). */
        batchCandidates: z.array(z.uuid()),
      }),
    )
    .query(async ({ ctx, input }) => {
      const found = await searchFailedTasks(ctx.db, input);
      if (found === 'bad_cursor') throw unknownCursor();
      return found;
    }),

  /** The error classes failed tasks have (for the search filter). */
  errorCodes: supportProcedure
    .output(z.array(z.string()))
    .query(({ ctx }) => failedTaskErrorCodes(ctx.db)),

  /**
   * The quote a demo batch would get, shown before confirming. It only reads, but it is a
   * mutation so its input (up to 10,000 prompts) travels in a POST body: as a query it would be
   * URL-encoded into a GET and exceed URL/header limits after a few dozen prompts.
   */
  quote: financeProcedure
    .input(BatchRequestInput)
    .output(
      z.object({
        totalCount: z.int(),
        costPerVideo: z.int().nullable(),
        requiredCredits: z.int(),
        availableCredits: z.int(),
        wouldAdmit: z.boolean(),
        problems: z.array(z.object({ path: z.string(), message: z.string() })),
      }),
    )
    .mutation(({ ctx, input }) =>
      quoteForAccount(ctx.db, input.accountId, input.request, ctx.config),
    ),

  /**
   * Creates a batch for an account from the admin (live demos, support re-runs): the same
   * admission as the public API, so the same quote, reservation and 402 rule. Audited.
   */
  create: financeProcedure
    .input(BatchRequestInput)
    .output(z.object({ batchId: z.uuid(), requiredCredits: z.int() }))
    .mutation(async ({ ctx, input }) => {
      const admitted = await admitForAccount(ctx.db, ctx.queue, ctx.user, {
        ...input,
        policy: ctx.config,
      });
      if (!admitted.ok) throw admissionRefused(admitted.error);
      return admitted.value;
    }),

  /** The failed tasks of a settled batch, again, as a new batch of its account (audited). */
  retryFailed: financeProcedure
    .input(z.object({ batchId: Uuid }))
    .output(z.object({ batchId: z.uuid(), requiredCredits: z.int() }))
    .mutation(async ({ ctx, input }) => {
      const retried = await retryForStaff(ctx.db, ctx.queue, ctx.user, {
        batchId: input.batchId,
        policy: ctx.config,
      });
      if (retried.ok) return retried.value;
      switch (retried.error.code) {
        case 'not_found':
          throw staffError('NOT_FOUND', 'batch_not_found', 'Batch not found.');
        case 'batch_not_settled':
          throw staffError(
            'PRECONDITION_FAILED',
            'batch_not_settled',
            'The batch is still running.',
          );
        case 'no_failed_tasks':
          throw staffError(
            'PRECONDITION_FAILED',
            'no_failed_tasks',
            'The batch has no failed task.',
          );
        default:
          throw admissionRefused(retried.error);
      }
    }),
});
