import type { Database } from '@batchreel/db';
import type { z } from 'zod';
import { decodeCursor, encodeCursor } from '../http/cursor';
import { readAvailability } from './availability';
import type { BalanceSchema, LedgerEntrySchema, LedgerQuerySchema } from './schemas';

/** Balance, reserved and available credits of one account (SPEC §3 `GET /balance`). */
export async function getBalance(
  db: Database,
  account: { accountId: string; accountName: string },
): Promise<z.infer<typeof BalanceSchema>> {
  const availability = await readAvailability(db, account.accountId);
  return {
    ok: true,
    account_id: account.accountId,
    account_name: account.accountName,
    balance: availability.balance,
    reserved_credits: availability.reservedCredits,
    available_credits: availability.availableCredits,
  };
}

/** The account's statement, newest first, keyset-paginated on the ledger id. */
export async function listLedger(
  db: Database,
  accountId: string,
  query: z.infer<typeof LedgerQuerySchema>,
): Promise<
  | { data: z.infer<typeof LedgerEntrySchema>[]; has_more: boolean; next_cursor: string | null }
  | 'bad_cursor'
> {
  let before: bigint | undefined;
  if (query.cursor !== undefined) {
    const position = decodeCursor(query.cursor);
    if (typeof position !== 'string' || !/^\d{1,19}$/.test(position)) return 'bad_cursor';
    before = BigInt(position);
    // Ledger ids are bigint: a larger number is not a cursor we issued.
    if (before > 9_223_372_036_854_775_807n) return 'bad_cursor';
  }
  const rows = await db.creditLedger.findMany({
    where: { accountId, ...(before !== undefined ? { id: { lt: before } } : {}) },
    orderBy: { id: 'desc' },
    take: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    data: page.map((row) => ({
      id: row.id.toString(),
      ref_type: row.refType,
      ref_id: row.refId,
      task_id: row.taskId,
      credits_delta: row.creditsDelta,
      balance_after: row.balanceAfter,
      memo: row.memo,
      created_at: row.createdAt.toISOString(),
    })),
    has_more: rows.length > query.limit,
    next_cursor: rows.length > query.limit && last ? encodeCursor(last.id.toString()) : null,
  };
}
