import { randomUUID } from 'node:crypto';
import { err, ok, planAdjustment, planTopUp, type Result } from '@batchreel/billing';
import { type Database, isGuardViolation } from '@batchreel/db';
import { alertOnLowBalance } from '../finance/alerts';
import { type PostedLedgerEntry, postLedgerEntries } from '../ledger/post';
import type { Queue } from '../platform/queue';
import { audit } from '../staff/audit';
import { actorOf, type StaffUser } from '../staff/identity';

export type StaffCreditsError = { code: 'account_not_found' } | { code: 'balance_below_zero' };

/**
 * A ledger entry written by staff (top-up or adjustment), planned by `packages/billing` from the
 * balance it applies to, with its audit row, in one transaction. The database refuses an entry
 * that would take the balance below zero, should the plan ever disagree with it. With the queue,
 * a correction that takes the balance below finance's low-balance level alerts in the same
 * transaction.
 */
export async function grantByStaff(
  db: Database,
  by: StaffUser,
  input: {
    accountId: string;
    creditsDelta: number;
    reason: string;
    refType: 'topup' | 'adjustment';
  },
  queue?: Queue,
): Promise<Result<{ ledgerId: string; balanceAfter: number }, StaffCreditsError>> {
  try {
    return await db.$transaction(async (tx) => {
      // Locked before reading, so `before` is the balance this entry applies to even when other
      // entries for the account are written concurrently (the ledger trigger would only take the
      // lock at the insert, after a plain read had already seen an older balance).
      const [before] = await tx.$queryRaw<{ balance: number }[]>`
        SELECT balance FROM accounts WHERE id = ${input.accountId}::uuid FOR UPDATE`;
      if (!before) return err({ code: 'account_not_found' as const });
      const plan =
        input.refType === 'topup'
          ? planTopUp(before, { credits: input.creditsDelta, reason: input.reason })
          : planAdjustment(before, { creditsDelta: input.creditsDelta, reason: input.reason });
      if (!plan.ok) {
        if (plan.error.code === 'insufficient_balance') {
          return err({ code: 'balance_below_zero' as const });
        }
        // The edges admit no blank reason and no zero or wrongly signed amount.
        throw new Error(`billing refused a validated ${input.refType}: ${plan.error.code}`);
      }
      const [entry] = (await postLedgerEntries(tx, [
        {
          entry: plan.value.ledgerEntry,
          accountId: input.accountId,
          refId: randomUUID(),
          memo: plan.value.memo,
          actor: actorOf(by),
        },
      ])) as [PostedLedgerEntry];
      await audit(tx, by, {
        action: input.refType === 'topup' ? 'account.topped_up' : 'account.adjusted',
        targetType: 'account',
        targetId: input.accountId,
        before: { balance: before.balance },
        after: {
          balance: entry.balanceAfter,
          credits_delta: input.creditsDelta,
          ledger_id: entry.id.toString(),
          reason: input.reason,
        },
      });
      if (queue) await alertOnLowBalance(tx, queue, input.accountId);
      return ok({ ledgerId: entry.id.toString(), balanceAfter: entry.balanceAfter });
    });
  } catch (error) {
    if (isGuardViolation(error, 'accounts_balance_non_negative')) {
      return err({ code: 'balance_below_zero' });
    }
    throw error;
  }
}
