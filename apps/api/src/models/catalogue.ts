import { err, ok, type Result } from '@batchreel/billing';
import { type Database, isGuardViolation, Prisma } from '@batchreel/db';
import { audit } from '../staff/audit';
import { auditedSettings, catalogueView } from './queries';
import type { CatalogueModel, ModelSettings } from './schemas';

/** The staff member acting, as the audit log records them. */
export type Actor = Parameters<typeof audit>[1];

export type CatalogueError =
  | { code: 'model_exists'; id: string }
  | { code: 'model_not_found'; id: string }
  | { code: 'model_retired'; id: string };

/** The columns a model's settings are stored in. */
function columns(settings: ModelSettings) {
  return {
    displayName: settings.displayName,
    provider: settings.provider,
    providerModel: settings.providerModel,
    priceCredits: settings.pricing.kind === 'per_video' ? settings.pricing.priceCredits : null,
    pricePerSecond:
      settings.pricing.kind === 'per_second' ? settings.pricing.creditsPerSecond : Prisma.DbNull,
    allowedSeconds: settings.allowedSeconds,
    allowedSizes: settings.allowedSizes,
    maxConcurrency: settings.maxConcurrency,
    providerCostPerSecond: settings.providerCost?.perSecond ?? Prisma.DbNull,
    providerCostUnit: settings.providerCost?.unit ?? null,
    enabled: settings.enabled,
  };
}

/** Adds a model to the catalogue, audited (`model.created`, with its settings). */
export async function createModel(
  db: Database,
  actor: Actor,
  input: ModelSettings & { id: string },
): Promise<Result<CatalogueModel, CatalogueError>> {
  try {
    return await db.$transaction(async (tx) => {
      if (await tx.model.findUnique({ where: { id: input.id }, select: { id: true } })) {
        return err({ code: 'model_exists' as const, id: input.id });
      }
      const model = await tx.model.create({ data: { id: input.id, ...columns(input) } });
      await audit(tx, actor, {
        action: 'model.created',
        targetType: 'model',
        targetId: model.id,
        after: auditedSettings(model),
      });
      return ok(catalogueView(model, 0));
    });
  } catch (error) {
    // Two admins creating the same id at once: the primary key decides.
    if (isGuardViolation(error, 'models_pkey')) {
      return err({ code: 'model_exists', id: input.id });
    }
    throw error;
  }
}

/**
 * Replaces a model's settings, audited (`model.updated`, before and after). Prices apply to
 * batches admitted from now on: admitted tasks keep the price they were admitted at. A retired
 * model stays retired: it can be described better, never enabled again.
 */
export async function updateModel(
  db: Database,
  actor: Actor,
  input: ModelSettings & { id: string },
): Promise<Result<CatalogueModel, CatalogueError>> {
  return db.$transaction(async (tx) => {
    const [before] = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM models WHERE id = ${input.id} FOR UPDATE`;
    if (!before) return err({ code: 'model_not_found' as const, id: input.id });
    const current = await tx.model.findUniqueOrThrow({ where: { id: input.id } });
    if (current.retiredAt && input.enabled) {
      return err({ code: 'model_retired' as const, id: input.id });
    }
    const after = await tx.model.update({ where: { id: input.id }, data: columns(input) });
    await audit(tx, actor, {
      action: 'model.updated',
      targetType: 'model',
      targetId: input.id,
      before: auditedSettings(current),
      after: auditedSettings(after),
    });
    const queued = await tx.videoTask.count({ where: { model: input.id, status: 'queued' } });
    return ok(catalogueView(after, queued));
  });
}
