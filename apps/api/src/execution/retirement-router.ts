import { z } from 'zod';
import { catalogueRefusal } from '../models/admin-router';
import { ModelIdSchema } from '../models/schemas';
import { staffError } from '../trpc/errors';
import { adminProcedure, router } from '../trpc/trpc';
import { handleRetiredQueue, previewRetirement, type RetireError, retireModel } from './retirement';

/** A refusal of retirement, as the admin app reads it. */
function refusal(error: RetireError) {
  switch (error.code) {
    case 'model_not_found':
    case 'model_retired':
      return catalogueRefusal(error);
    case 'model_not_retired':
      return staffError(
        'PRECONDITION_FAILED',
        'model_not_retired',
        `Model ${error.id} is not retired.`,
        { id: error.id },
      );
    case 'replacement_invalid':
      return staffError(
        'BAD_REQUEST',
        'replacement_invalid',
        `${error.replacement} cannot replace ${error.id} (${error.reason}).`,
        { id: error.id, replacement: error.replacement, reason: error.reason },
      );
  }
}

const QueueOutcomeSchema = z.object({
  moved: z.int(),
  canceled: z.int(),
  refundedCredits: z.int(),
});

const RetireInputSchema = z.object({ id: ModelIdSchema, replacement: ModelIdSchema.nullable() });

/**
 * Retiring a catalogue model (admin): its queued tasks move to the replacement or are canceled
 * and refunded. Lives with execution because it acts on tasks and money; the admin app calls it
 * under `models`, where `app/trpc-router.ts` merges it with the catalogue.
 */
export const retirementAdminRouter = router({
  /** What retiring would do to the model's queued tasks now. */
  previewRetirement: adminProcedure
    .input(RetireInputSchema)
    .output(z.object({ queuedTasks: z.int(), movable: z.int(), toCancel: z.int() }))
    .query(async ({ ctx, input }) => {
      const result = await previewRetirement(ctx.db, input.id, input.replacement);
      if (!result.ok) throw refusal(result.error);
      return result.value;
    }),

  retire: adminProcedure
    .input(RetireInputSchema)
    .output(QueueOutcomeSchema)
    .mutation(async ({ ctx, input }) => {
      const result = await retireModel(ctx, ctx.user, input);
      if (!result.ok) throw refusal(result.error);
      return result.value;
    }),

  /** Moves or cancels tasks still queued on a retired model (after a retry or a crash). */
  handleRetiredQueue: adminProcedure
    .input(z.object({ id: ModelIdSchema }))
    .output(QueueOutcomeSchema)
    .mutation(async ({ ctx, input }) => {
      const result = await handleRetiredQueue(ctx, ctx.user, input.id);
      if (!result.ok) throw refusal(result.error);
      return result.value;
    }),
});
