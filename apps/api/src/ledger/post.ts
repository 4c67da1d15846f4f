import type { PlannedLedgerEntry } from '@batchreel/billing';
import type { Prisma } from '@batchreel/db';

/** A planned movement with where it goes and who made it. */
export interface LedgerPosting {
  /** Only a movement a `@batchreel/billing` planner approved (the type is nominal). */
  entry: PlannedLedgerEntry;
  accountId: string;
  /** The batch for batch entries; a fresh id of the grant or correction otherwise. */
  refId: string;
  /** The refunded task (`batch_refund` only). */
  taskId?: string | null;
  memo: string | null;
  /** `system:worker`, `system:seed`, `staff:<id>:<email>`, … */
  actor: string;
}

/** What the ledger's insert trigger computed for a written row. */
export interface PostedLedgerEntry {
  id: bigint;
  balanceAfter: number;
  rowHash: string;
}

/**
 * The one way a ledger row is written (a test fails on any other `credit_ledger` insert in
 * product code). Writes the postings in ONE statement, in the caller's transaction, in the order
 * given, so a finalize that refunds hundreds of tasks stays one round trip.
 *
 * The database does the rest, as the last line of defence: its insert trigger locks the
 * account, applies the delta to the balance, refuses a balance below zero, cross-checks batch
 * entries against their batch and task, draws the row's id and chains its hash; unique indexes
 * keep one upfront per batch and one refund per task. Hence no `balance_after` here: the trigger
 * sets it, and a row written with the trigger switched off fails `NOT NULL`.
 *
 * Returns the trigger's figures for each posting, in the order given.
 */
export async function postLedgerEntries(
  tx: Prisma.TransactionClient,
  postings: readonly LedgerPosting[],
): Promise<PostedLedgerEntry[]> {
  if (postings.length === 0) return [];
  // Rows travel as one JSON array (no bind-parameter limit however many there are); `i` keeps
  // the caller's order, which is the order the trigger draws ids in.
  const rows = postings.map((posting, i) => ({
    i,
    account_id: posting.accountId,
    ref_type: posting.entry.refType,
    ref_id: posting.refId,
    task_id: posting.taskId ?? null,
    credits_delta: posting.entry.creditsDelta,
    memo: posting.memo,
    actor: posting.actor,
  }));
  const written = await tx.$queryRaw<{ id: bigint; balance_after: number; row_hash: string }[]>`
    INSERT INTO credit_ledger (account_id, ref_type, ref_id, task_id, credits_delta, memo, actor)
    SELECT r.account_id, r.ref_type::ledger_ref_type, r.ref_id, r.task_id, r.credits_delta, r.memo, r.actor
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS r(i integer, account_id uuid, ref_type text, ref_id uuid, task_id uuid,
             credits_delta integer, memo text, actor text)
     ORDER BY r.i
    RETURNING id, balance_after, row_hash`;
  // Ids rise in insertion order within one statement; RETURNING itself promises no order.
  return written
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((row) => ({ id: row.id, balanceAfter: row.balance_after, rowHash: row.row_hash }));
}
