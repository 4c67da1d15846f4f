import type { LedgerRefType } from '@batchreel/contracts';
import type { Database } from '@batchreel/db';
import {
  type BadCursor,
  BigintId,
  cursorCodec,
  type Page,
  type PageRequest,
  pageOf,
} from '../platform/pages';
import { readAvailability } from './availability';

/** An account's credits: what it holds, what admitted batches hold of it, what is left. */
export interface Balance {
  accountId: string;
  accountName: string;
  balance: number;
  reservedCredits: number;
  availableCredits: number;
}

/** Balance, reserved and available credits of one account (`GET /balance`). */
export async function getBalance(
  db: Database,
  account: { accountId: string; accountName: string },
): Promise<Balance> {
  return { ...account, ...(await readAvailability(db, account.accountId)) };
}

/** A row of an account's statement. */
export interface StatementEntry {
  id: bigint;
  refType: LedgerRefType;
  /** The batch for batch entries; the grant or correction otherwise. */
  refId: string;
  /** The refunded task, for `batch_refund`. */
  taskId: string | null;
  creditsDelta: number;
  balanceAfter: number;
  memo: string | null;
  createdAt: Date;
}

/** Cursors of ledger lists: newest first, keyset on the ledger id. */
export const ledgerCursor = cursorCodec('ledger', BigintId);

/** The account's statement, newest first, keyset-paginated on the ledger id. */
export async function listLedger(
  db: Database,
  accountId: string,
  query: PageRequest,
): Promise<Page<StatementEntry> | BadCursor> {
  const after = query.cursor ? ledgerCursor.decode(query.cursor) : null;
  if (query.cursor && !after) return 'bad_cursor';
  const rows = await db.creditLedger.findMany({
    where: { accountId, ...(after ? { id: { lt: after.id } } : {}) },
    orderBy: { id: 'desc' },
    take: query.limit + 1,
  });
  return pageOf(rows, query.limit, ledgerCursor, (row) => ({ id: row.id }));
}
