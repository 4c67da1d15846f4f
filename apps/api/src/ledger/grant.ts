import { randomUUID } from 'node:crypto';
import { planTopUp } from '@batchreel/billing';
import type { Prisma } from '@batchreel/db';
import { type PostedLedgerEntry, postLedgerEntries } from './post';

/**
 * Grants credits to an account (a `topup` ledger row) inside the caller's transaction: the
 * balance is read under the account's row lock, `planTopUp` approves the movement, the one write
 * path posts it. For grants made by a process rather than a person (the demo seed, tooling);
 * finance's top-ups in the admin add their audit row beside the same two steps.
 *
 * @throws Error for an unknown account or a grant billing refuses (no reason, not a whole
 *   positive number of credits): a caller's bug, not a business outcome.
 */
export async function grantCredits(
  tx: Prisma.TransactionClient,
  grant: { accountId: string; credits: number; reason: string; actor: string },
): Promise<PostedLedgerEntry> {
  const [account] = await tx.$queryRaw<{ balance: number }[]>`
    SELECT balance FROM accounts WHERE id = ${grant.accountId}::uuid FOR UPDATE`;
  if (!account) throw new Error(`grant for unknown account ${grant.accountId}`);
  const plan = planTopUp(account, { credits: grant.credits, reason: grant.reason });
  if (!plan.ok) throw new Error(`grant refused: ${plan.error.code}`);
  const [entry] = await postLedgerEntries(tx, [
    {
      entry: plan.value.ledgerEntry,
      accountId: grant.accountId,
      refId: randomUUID(),
      memo: plan.value.memo,
      actor: grant.actor,
    },
  ]);
  if (!entry) throw new Error('the ledger wrote no row for a grant');
  return entry;
}
