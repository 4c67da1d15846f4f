import type { ModelPrice } from '@batchreel/billing';
import type { Database, ModelModel as Model, Prisma } from '@batchreel/db';
import { z } from 'zod';

type Db = Database | Prisma.TransactionClient;

/** A table of whole-number rates by size, as the catalogue stores them (`{"1280x720": 3}`). */
export const RatesSchema = z.record(z.string(), z.int().min(0));
export type Rates = z.infer<typeof RatesSchema>;

/**
 * A rate table read from the database. The database only accepts objects of whole numbers
 * (`is_rate_table`), so anything else is corruption and fails loudly.
 */
export function ratesOf(value: Prisma.JsonValue | null, label: string): Rates | null {
  if (value === null) return null;
  const parsed = RatesSchema.safeParse(value);
  if (!parsed.success) throw new Error(`${label} is not a rate table: ${JSON.stringify(value)}`);
  return parsed.data;
}

/** A catalogue row's price, as `packages/billing` quotes with it. */
export function priceOf(model: Model): ModelPrice {
  const rules = {
    model: model.id,
    enabled: model.enabled,
    retired: model.retiredAt ? { replacement: model.replacedBy } : undefined,
    allowedSeconds: model.allowedSeconds,
    allowedSizes: model.allowedSizes,
  };
  const perSecond = ratesOf(model.pricePerSecond, `price_per_second of ${model.id}`);
  if (perSecond) return { ...rules, creditsPerSecond: perSecond };
  if (model.priceCredits === null) throw new Error(`model ${model.id} has no price`);
  return { ...rules, priceCredits: model.priceCredits };
}

/** What admission needs of a model: its price and the defaults an item may leave out. */
export interface CatalogueEntry {
  price: ModelPrice;
  defaultSeconds: number;
  defaultSize: string;
}

/** The catalogue entries of these models (unknown ids are simply absent). */
export async function catalogueEntries(
  db: Db,
  modelIds: readonly string[],
): Promise<Map<string, CatalogueEntry>> {
  const rows = await db.model.findMany({ where: { id: { in: [...modelIds] } } });
  return new Map(
    rows.map((row) => [
      row.id,
      {
        price: priceOf(row),
        // The database keeps at least one of each (models_allowed_*_present).
        defaultSeconds: row.allowedSeconds[0] as number,
        defaultSize: row.allowedSizes[0] as string,
      },
    ]),
  );
}

/** `4, 8, 12` or, for a run of whole seconds, `2–10`. */
export function describeSeconds(allowed: readonly number[]): string {
  const sorted = [...allowed].sort((a, b) => a - b);
  const first = sorted[0] ?? 0;
  const last = sorted.at(-1) ?? 0;
  const contiguous = sorted.length > 3 && last - first === sorted.length - 1;
  return contiguous ? `${first}–${last}` : sorted.join(', ');
}
