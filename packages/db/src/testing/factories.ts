import { randomUUID } from 'node:crypto';
import type { Database } from '../client';

/** Test data with defaults: only what a test cares about needs saying. */

/** A model at a flat price per video (the factories' batches need one price per task). */
export async function createModel(
  db: Database,
  overrides: { id?: string; priceCredits?: number; enabled?: boolean } = {},
) {
  const id = overrides.id ?? `model-${randomUUID().slice(0, 8)}`;
  const model = await db.model.upsert({
    where: { id },
    create: {
      id,
      displayName: id,
      provider: 'simulator',
      providerModel: id,
      priceCredits: overrides.priceCredits ?? 10,
      enabled: overrides.enabled ?? true,
    },
    update: {},
  });
  const { priceCredits } = model;
  if (priceCredits === null) throw new Error(`model ${id} exists and is priced per second`);
  return { ...model, priceCredits };
}

/** An account, granted `credits` through a real `topup` ledger entry when non-zero. */
export async function createAccount(
  db: Database,
  overrides: { name?: string; credits?: number } = {},
) {
  const account = await db.account.create({
    data: { name: overrides.name ?? `Account ${randomUUID().slice(0, 8)}` },
  });
  if (overrides.credits) await grantCredits(db, account.id, overrides.credits);
  return db.account.findUniqueOrThrow({ where: { id: account.id } });
}

export function grantCredits(
  db: Database,
  accountId: string,
  credits: number,
  memo = 'test grant',
) {
  return db.creditLedger.create({
    data: {
      accountId,
      refType: 'topup',
      refId: randomUUID(),
      creditsDelta: credits,
      balanceAfter: 0, // computed by the database
      memo,
      actor: 'test',
    },
  });
}

/** An admitted batch (`queued`, nothing frozen) with `taskCount` queued tasks of one model. */
export async function createBatch(
  db: Database,
  options: {
    accountId: string;
    /** A flat-priced model (as `createModel` makes, or a row read back). */
    model: { id: string; priceCredits: number | null };
    taskCount?: number;
  },
) {
  const count = options.taskCount ?? 3;
  const price = options.model.priceCredits;
  if (price === null)
    throw new Error(`createBatch needs a flat-priced model, not ${options.model.id}`);
  const batch = await db.batchJob.create({
    data: {
      accountId: options.accountId,
      totalCount: count,
      costPerVideo: price,
      requiredCredits: count * price,
    },
  });
  await db.videoTask.createMany({
    data: Array.from({ length: count }, (_, i) => ({
      batchId: batch.id,
      accountId: options.accountId,
      batchIndex: i,
      prompt: `prompt ${i}`,
      model: options.model.id,
      costCredits: price,
    })),
  });
  const tasks = await db.videoTask.findMany({
    where: { batchId: batch.id },
    orderBy: { batchIndex: 'asc' },
  });
  return { batch, tasks };
}
