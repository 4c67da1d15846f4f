import { z } from 'zod';
import { staffError } from '../trpc/errors';
import { adminProcedure, router } from '../trpc/trpc';
import { type CatalogueError, createModel, updateModel } from './catalogue';
import { CATALOGUE_PROVIDERS } from './providers';
import { listCatalogue } from './queries';
import { handleRetiredQueue, previewRetirement, type RetireError, retireModel } from './retirement';
import { CatalogueModelSchema, ModelIdSchema, ModelSettingsSchema } from './schemas';

/** A refusal of the catalogue's services, as the admin app reads it. */
function refusal(error: CatalogueError | RetireError) {
  switch (error.code) {
    case 'model_not_found':
      return staffError('NOT_FOUND', 'model_not_found', `No model ${error.id}.`, { id: error.id });
    case 'model_exists':
      return staffError('CONFLICT', 'model_exists', `A model ${error.id} exists.`, {
        id: error.id,
      });
    case 'model_retired':
      return staffError('PRECONDITION_FAILED', 'model_retired', `Model ${error.id} is retired.`, {
        id: error.id,
      });
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

/** The model catalogue: prices, providers, limits, retirement (admin; the summary for all). */
export const modelsAdminRouter = router({
  list: adminProcedure
    .output(z.array(CatalogueModelSchema))
    .query(({ ctx }) => listCatalogue(ctx.db)),

  /** The provider names a model may run on (the provider registry's). */
  providers: adminProcedure.output(z.array(z.string())).query(() => [...CATALOGUE_PROVIDERS]),

  create: adminProcedure
    .input(ModelSettingsSchema.safeExtend({ id: ModelIdSchema }))
    .output(CatalogueModelSchema)
    .mutation(async ({ ctx, input }) => {
      const result = await createModel(ctx.db, ctx.user, input);
      if (!result.ok) throw refusal(result.error);
      return result.value;
    }),

  update: adminProcedure
    .input(ModelSettingsSchema.safeExtend({ id: ModelIdSchema }))
    .output(CatalogueModelSchema)
    .mutation(async ({ ctx, input }) => {
      const result = await updateModel(ctx.db, ctx.user, input);
      if (!result.ok) throw refusal(result.error);
      return result.value;
    }),

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
