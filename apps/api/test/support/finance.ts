import type { Database } from '@batchreel/db';
import { createAccount } from '@batchreel/db/testing';
import { createApiKey } from '../../src/accounts/api-keys';
import type { TestApp } from '../helpers';
import { callerFor, createStaff } from './admin';

/** An account with credits and an API key of its own (its secret, for a client). */
export async function accountWithKey(db: Database, credits: number, name?: string) {
  const account = await createAccount(db, { credits, ...(name ? { name } : {}) });
  const created = await createApiKey(db, {
    accountId: account.id,
    name: 'Test key',
    createdBy: 'test',
  });
  if (!created.ok) throw new Error('no key');
  return { account, apiKeyId: created.value.apiKey.id, secret: created.value.secret };
}

/** Another key of the same account. */
export async function anotherKey(db: Database, accountId: string, name = 'Second key') {
  const created = await createApiKey(db, { accountId, name, createdBy: 'test' });
  if (!created.ok) throw new Error('no key');
  return { apiKeyId: created.value.apiKey.id, secret: created.value.secret };
}

/** A finance staff member and a tRPC caller acting for them (the admin's procedures). */
export async function financeCaller(t: TestApp) {
  const { user } = await createStaff(t.db, 'finance');
  // Alert webhooks to a local receiver need private networks allowed, as the test server does.
  return { user, finance: callerFor(t, user, { allowPrivateNetworks: true }) };
}
