import { availableCredits } from '@batchreel/billing';
import type { Database } from '@batchreel/db';
import { HOLDS_RESERVATION, RESERVED_CREDITS, readAvailability } from '../ledger/availability';

/** An account as staff see it: its status and credits (balance, reserved, available). */
export interface AccountView {
  accountId: string;
  name: string;
  status: string;
  balance: number;
  reservedCredits: number;
  availableCredits: number;
  createdAt: Date;
}

/** Every account (the first 1,000 by name), with its credits. */
export async function listAccounts(db: Database): Promise<AccountView[]> {
  const rows = await db.$queryRaw<
    {
      id: string;
      name: string;
      status: string;
      balance: number;
      reserved: number;
      created_at: Date;
    }[]
  >`
    SELECT a.id, a.name, a.status::text AS status, a.balance, a.created_at,
           (SELECT ${RESERVED_CREDITS} FROM batch_jobs b
             WHERE b.account_id = a.id AND ${HOLDS_RESERVATION})::int AS reserved
      FROM accounts a ORDER BY a.name, a.id LIMIT 1000`;
  return rows.map((r) => ({
    accountId: r.id,
    name: r.name,
    status: r.status,
    balance: r.balance,
    reservedCredits: r.reserved,
    availableCredits: availableCredits(r.balance, r.reserved),
    createdAt: r.created_at,
  }));
}

/** One account with its credits; null when unknown. */
export async function getAccount(db: Database, accountId: string): Promise<AccountView | null> {
  const account = await db.account.findUnique({ where: { id: accountId } });
  if (!account) return null;
  const availability = await readAvailability(db, accountId);
  return {
    accountId: account.id,
    name: account.name,
    status: account.status,
    balance: availability.balance,
    reservedCredits: availability.reservedCredits,
    availableCredits: availability.availableCredits,
    createdAt: account.createdAt,
  };
}
