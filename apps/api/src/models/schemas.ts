import { PROVIDER_UNIT_PATTERN } from '@batchreel/billing';
import { ITEM_SIZE_PATTERN, LIMITS } from '@batchreel/contracts';
import { z } from 'zod';
import { CATALOGUE_PROVIDERS } from './providers';

/** Figures beyond these are typing mistakes, not prices. */
const MAX_CREDITS_PER_VIDEO = 1_000_000;
const MAX_PROVIDER_COST_PER_SECOND = 1_000_000_000_000;

/** How a model id may look: it is what clients put in `items[].model`. */
export const ModelIdSchema = z
  .string()
  .max(LIMITS.maxModelIdChars)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'Letters, digits, ".", "_" and "-", e.g. veo-3-fast.');

const SizeSchema = z.string().regex(ITEM_SIZE_PATTERN, 'WIDTHxHEIGHT, e.g. 1280x720.');

/** Credits per video, or credits per second for each size. */
export const PricingSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('per_video'),
    priceCredits: z.int().min(1).max(MAX_CREDITS_PER_VIDEO),
  }),
  z.object({
    kind: z.literal('per_second'),
    creditsPerSecond: z.record(SizeSchema, z.int().min(1).max(MAX_CREDITS_PER_VIDEO)),
  }),
]);
export type Pricing = z.infer<typeof PricingSchema>;

/** What the provider charges per second of output for each size, in one unit (integers). */
export const ProviderCostRatesSchema = z.object({
  unit: z
    .string()
    .regex(PROVIDER_UNIT_PATTERN, 'Lower case, digits and _, e.g. usd_micros.')
    .meta({ description: 'e.g. `usd_micros` (millionths of a US dollar)' }),
  perSecond: z.record(SizeSchema, z.int().min(0).max(MAX_PROVIDER_COST_PER_SECOND)),
});
export type ProviderCostRates = z.infer<typeof ProviderCostRatesSchema>;

const distinct = <T>(values: readonly T[]) => new Set(values).size === values.length;

/** Everything an admin sets on a model; checked as a whole (prices must match sizes). */
export const ModelSettingsSchema = z
  .object({
    displayName: z.string().trim().min(1).max(200),
    provider: z.enum(CATALOGUE_PROVIDERS),
    providerModel: z.string().trim().min(1).max(200),
    pricing: PricingSchema,
    allowedSeconds: z
      .array(z.int().min(1).max(LIMITS.maxSeconds))
      .min(1)
      .max(LIMITS.maxSeconds)
      .refine(distinct, 'Each length once.'),
    allowedSizes: z.array(SizeSchema).min(1).max(20).refine(distinct, 'Each size once.'),
    maxConcurrency: z.int().min(1).max(10_000),
    providerCost: ProviderCostRatesSchema.nullable(),
    enabled: z.boolean(),
  })
  .superRefine((settings, ctx) => {
    const allowed = new Set(settings.allowedSizes);
    if (settings.pricing.kind === 'per_second') {
      const priced = settings.pricing.creditsPerSecond;
      for (const size of settings.allowedSizes) {
        if (!Object.hasOwn(priced, size)) {
          ctx.addIssue({
            code: 'custom',
            path: ['pricing', 'creditsPerSecond', size],
            message: `Every allowed size needs a price per second; ${size} has none.`,
          });
        }
      }
      for (const size of Object.keys(priced)) {
        if (!allowed.has(size)) {
          ctx.addIssue({
            code: 'custom',
            path: ['pricing', 'creditsPerSecond', size],
            message: `${size} is priced but not an allowed size.`,
          });
        }
      }
    }
    for (const size of Object.keys(settings.providerCost?.perSecond ?? {})) {
      if (!allowed.has(size)) {
        ctx.addIssue({
          code: 'custom',
          path: ['providerCost', 'perSecond', size],
          message: `${size} has a provider cost but is not an allowed size.`,
        });
      }
    }
    if (settings.providerCost && Object.keys(settings.providerCost.perSecond).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['providerCost', 'perSecond'],
        message: 'Give a rate for at least one size, or no provider cost at all.',
      });
    }
  });
export type ModelSettings = z.infer<typeof ModelSettingsSchema>;

/** A catalogue entry as the admin sees it. */
export const CatalogueModelSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  provider: z.string(),
  providerModel: z.string(),
  pricing: PricingSchema,
  allowedSeconds: z.array(z.int()),
  allowedSizes: z.array(z.string()),
  maxConcurrency: z.int(),
  providerCost: ProviderCostRatesSchema.nullable(),
  enabled: z.boolean(),
  retiredAt: z.date().nullable(),
  replacedBy: z.string().nullable(),
  /** Tasks of the model not started yet (what retiring it would move or cancel). */
  queuedTasks: z.int(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type CatalogueModel = z.infer<typeof CatalogueModelSchema>;

/** What every signed-in staff member may read of the catalogue (filters, the new-batch form). */
export const ModelSummarySchema = z.object({
  id: z.string(),
  displayName: z.string(),
  /** The flat price per video; null for a per-second price. */
  priceCredits: z.int().nullable(),
  /** Credits per second by size; null for a flat price. */
  creditsPerSecond: z.record(z.string(), z.int()).nullable(),
  enabled: z.boolean(),
  retired: z.boolean(),
  maxConcurrency: z.int(),
});
