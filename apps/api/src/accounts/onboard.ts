import type { Database } from '@batchreel/db';
import { audit } from '../staff/audit';
import { actorOf, type StaffUser } from '../staff/identity';
import { createApiKey } from './api-keys';
import { grantByStaff } from './staff-credits';

export interface Onboarded {
  accountId: string;
  balance: number;
  /** The API key's secret: in this answer only. */
  secret: string;
  keyPrefix: string;
}

/**
 * Onboarding a pilot customer in one step: the account, its first credits (a `topup` with the
 * reason) and an API key whose secret is shown once. Each step is audited.
 */
export async function onboardAccount(
  db: Database,
  by: StaffUser,
  input: { name: string; credits: number; reason: string; keyName: string },
): Promise<Onboarded> {
  const account = await db.$transaction(async (tx) => {
    const created = await tx.account.create({ data: { name: input.name } });
    await audit(tx, by, {
      action: 'account.created',
      targetType: 'account',
      targetId: created.id,
      after: { name: created.name },
    });
    return created;
  });
  let balance = 0;
  if (input.credits > 0) {
    const granted = await grantByStaff(db, by, {
      accountId: account.id,
      creditsDelta: input.credits,
      reason: input.reason,
      refType: 'topup',
    });
    if (!granted.ok)
      throw new Error(`a top-up of the account just created failed: ${granted.error.code}`);
    balance = granted.value.balanceAfter;
  }
  const key = await createApiKey(db, {
    accountId: account.id,
    name: input.keyName,
    createdBy: actorOf(by),
    actorUserId: by.id,
  });
  if (!key.ok) throw new Error('the account just created is gone');
  return {
    accountId: account.id,
    balance,
    secret: key.value.secret,
    keyPrefix: key.value.apiKey.prefix,
  };
}
