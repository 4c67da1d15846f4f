import { z } from 'zod';
import { staffError } from '../trpc/errors';
import { adminProcedure, router } from '../trpc/trpc';
import { type CatalogueError, createModel, updateModel } from './catalogue';
import { CATALOGUE_PROVIDERS } from './providers';
import { listCatalogue } from './queries';
import { CatalogueModelSchema, ModelIdSchema, ModelSettingsSchema } from './schemas';

/** A refusal of the catalogue's services, as the admin app reads it. */
export function catalogueRefusal(error: CatalogueError) {
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
  }
}

/**
 * The model catalogue: prices, providers, limits (admin). Retirement, which acts on queued tasks,
 * is `execution/retirement-router.ts`, merged under the same name in `app/trpc-router.ts`.
 */
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
      if (!result.ok) throw catalogueRefusal(result.error);
      return result.value;
    }),

  update: adminProcedure
    .input(ModelSettingsSchema.safeExtend({ id: ModelIdSchema }))
    .output(CatalogueModelSchema)
    .mutation(async ({ ctx, input }) => {
      const result = await updateModel(ctx.db, ctx.user, input);
      if (!result.ok) throw catalogueRefusal(result.error);
      return result.value;
    }),
});
