import { randomUUID } from 'node:crypto';
import type { Database } from '@batchreel/db';
import { createAccount } from '@batchreel/db/testing';
import { createApiKey } from '../../src/accounts/api-keys';

/**
 * A model priced per second for each size, on the simulator, like a live provider's: 3 credits
 * per second at 1280x720 and 5 at 1920x1080, 4, 6 or 8 seconds long; the provider charges
 * $0.05 and $0.09 per second (in USD micro-units).
 */
export async function createPerSecondModel(
  db: Database,
  overrides: {
    id?: string;
    creditsPerSecond?: Record<string, number>;
    allowedSeconds?: number[];
    allowedSizes?: string[];
    providerCost?: Record<string, number> | null;
    maxConcurrency?: number;
  } = {},
) {
  const creditsPerSecond = overrides.creditsPerSecond ?? { '1280x720': 3, '1920x1080': 5 };
  const providerCost =
    overrides.providerCost === undefined
      ? { '1280x720': 50_000, '1920x1080': 90_000 }
      : overrides.providerCost;
  const id = overrides.id ?? `veo-sim-${randomUUID().slice(0, 8)}`;
  return db.model.create({
    data: {
      id,
      displayName: id,
      provider: 'simulator',
      providerModel: id,
      priceCredits: null,
      pricePerSecond: creditsPerSecond,
      allowedSeconds: overrides.allowedSeconds ?? [4, 6, 8],
      allowedSizes: overrides.allowedSizes ?? Object.keys(creditsPerSecond),
      maxConcurrency: overrides.maxConcurrency ?? 8,
      ...(providerCost
        ? { providerCostPerSecond: providerCost, providerCostUnit: 'usd_micros' }
        : {}),
    },
  });
}

/** A fresh account holding exactly `credits`, and an API key for it. */
export async function accountWithKey(db: Database, credits: number) {
  const account = await createAccount(db, { credits });
  const created = await createApiKey(db, {
    accountId: account.id,
    name: 'test',
    createdBy: 'test',
  });
  if (!created.ok) throw new Error('could not create key');
  return { account, key: created.value.secret };
}
