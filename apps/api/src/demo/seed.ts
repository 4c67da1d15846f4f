import type { Database } from '@batchreel/db';
import { hashApiKey } from '../accounts/api-keys';
import { grantCredits } from '../ledger/grant';

/** The demo data of docs/product.md §2, in one place for the seed, the tests and the demo script. */
export const DEMO = {
  accountName: 'Demo Corp',
  grantCredits: 5000,
  apiKey: 'demo-key',
  model: { id: 'sora-2', displayName: 'Sora 2', priceCredits: 10, provider: 'simulator' },
} as const;

// Serialises seeding between processes that start at the same time on one database.
const SEED_LOCK_KEY = 7_245_193_002;

export type SeedOutcome = 'seeded' | 'skipped';

/**
 * Seeds the demo account, its credits (a `topup` ledger entry), the `demo-key` API key and the
 * `sora-2` model — only into an empty database (no accounts yet), so it runs once however often
 * the system starts. All or nothing: one transaction.
 */
export async function seedDemoData(db: Database): Promise<SeedOutcome> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SEED_LOCK_KEY}::bigint)`;
    if ((await tx.account.count()) > 0) return 'skipped';

    await tx.model.upsert({
      where: { id: DEMO.model.id },
      create: {
        id: DEMO.model.id,
        displayName: DEMO.model.displayName,
        provider: DEMO.model.provider,
        providerModel: DEMO.model.id,
        priceCredits: DEMO.model.priceCredits,
      },
      update: {},
    });
    const account = await tx.account.create({ data: { name: DEMO.accountName } });
    await grantCredits(tx, {
      accountId: account.id,
      credits: DEMO.grantCredits,
      reason: 'Demo credits',
      actor: 'system:seed',
    });
    await tx.apiKey.create({
      data: {
        accountId: account.id,
        name: 'Demo key',
        prefix: DEMO.apiKey,
        keyHash: hashApiKey(DEMO.apiKey),
        createdBy: 'system:seed',
      },
    });
    return 'seeded';
  });
}
