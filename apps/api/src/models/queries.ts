import type { Database, ModelModel as Model, Prisma } from '@batchreel/db';
import { ratesOf } from './pricing';
import type { CatalogueModel, Pricing, ProviderCostRates } from './schemas';

type Db = Database | Prisma.TransactionClient;

/** A model row's price as the admin edits it. */
export function pricingOf(model: Model): Pricing {
  const perSecond = ratesOf(model.pricePerSecond, `price_per_second of ${model.id}`);
  if (perSecond) return { kind: 'per_second', creditsPerSecond: perSecond };
  if (model.priceCredits === null) throw new Error(`model ${model.id} has no price`);
  return { kind: 'per_video', priceCredits: model.priceCredits };
}

export function providerCostOf(model: Model): ProviderCostRates | null {
  const perSecond = ratesOf(model.providerCostPerSecond, `provider cost of ${model.id}`);
  return perSecond && model.providerCostUnit ? { unit: model.providerCostUnit, perSecond } : null;
}

/** The settings of a model that the audit log keeps before and after each change. */
export function auditedSettings(model: Model) {
  return {
    displayName: model.displayName,
    provider: model.provider,
    providerModel: model.providerModel,
    pricing: pricingOf(model),
    allowedSeconds: model.allowedSeconds,
    allowedSizes: model.allowedSizes,
    maxConcurrency: model.maxConcurrency,
    providerCost: providerCostOf(model),
    enabled: model.enabled,
    retiredAt: model.retiredAt?.toISOString() ?? null,
    replacedBy: model.replacedBy,
  };
}

export function catalogueView(model: Model, queuedTasks: number): CatalogueModel {
  return {
    id: model.id,
    displayName: model.displayName,
    provider: model.provider,
    providerModel: model.providerModel,
    pricing: pricingOf(model),
    allowedSeconds: model.allowedSeconds,
    allowedSizes: model.allowedSizes,
    maxConcurrency: model.maxConcurrency,
    providerCost: providerCostOf(model),
    enabled: model.enabled,
    retiredAt: model.retiredAt,
    replacedBy: model.replacedBy,
    queuedTasks,
    createdAt: model.createdAt,
    updatedAt: model.updatedAt,
  };
}

/** Queued tasks per model (only the queued ones are read, through the status index). */
async function queuedTaskCounts(db: Db, modelIds?: readonly string[]) {
  const rows = await db.videoTask.groupBy({
    by: ['model'],
    where: { status: 'queued', ...(modelIds ? { model: { in: [...modelIds] } } : {}) },
    _count: { _all: true },
  });
  return new Map(rows.map((row) => [row.model, row._count._all]));
}

/** The whole catalogue, retired models last. */
export async function listCatalogue(db: Db): Promise<CatalogueModel[]> {
  const [models, queued] = await Promise.all([
    db.model.findMany({ orderBy: [{ retiredAt: { sort: 'asc', nulls: 'first' } }, { id: 'asc' }] }),
    queuedTaskCounts(db),
  ]);
  return models.map((model) => catalogueView(model, queued.get(model.id) ?? 0));
}

export async function readCatalogueModel(db: Db, id: string): Promise<CatalogueModel | null> {
  const model = await db.model.findUnique({ where: { id } });
  if (!model) return null;
  const queued = await queuedTaskCounts(db, [id]);
  return catalogueView(model, queued.get(id) ?? 0);
}

/** Every model with its price, for every staff member (the catalogue is not secret). */
export async function modelSummaries(db: Db) {
  const rows = await db.model.findMany({ orderBy: { id: 'asc' } });
  return rows.map((m) => {
    const pricing = pricingOf(m);
    return {
      id: m.id,
      displayName: m.displayName,
      priceCredits: pricing.kind === 'per_video' ? pricing.priceCredits : null,
      creditsPerSecond: pricing.kind === 'per_second' ? pricing.creditsPerSecond : null,
      enabled: m.enabled,
      retired: m.retiredAt !== null,
      maxConcurrency: m.maxConcurrency,
    };
  });
}
