import { createHash } from 'node:crypto';
import type { LedgerRow } from './account-ledger';
import { type Violation, violation } from './violation';

/**
 * Tamper evidence for the ledger (issue: audit-grade verification). Every row carries
 * `row_hash` = SHA-256 over the previous row's hash (same account, id order) and the row's
 * money-relevant fields; the database computes it on insert (migration
 * `20261125200000_ledger_hash_chain`), under the account lock that also orders the rows. This
 * module recomputes it: the SQL and this code must agree byte for byte, which a test checks.
 *
 * Changing any hashed field of a row breaks that row's hash; deleting or inserting a row breaks
 * the next row's link. Memo and actor are descriptive and not hashed.
 */

/** The row as hashed. `createdAt` is stored with millisecond precision. */
export interface ChainedLedgerRow extends LedgerRow {
  createdAt: Date;
  prevHash: string | null;
  rowHash: string | null;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The chain's start for an account: a hash of the account id. */
export function genesisHash(accountId: string): string {
  return sha256(`batchreel-ledger:${accountId}`);
}

/** `id|account|ref_type|ref_id|task_id|delta|balance_after|created_at(ISO, ms, UTC)`. */
export function canonicalLedgerRow(row: Omit<ChainedLedgerRow, 'prevHash' | 'rowHash'>): string {
  return [
    String(row.id),
    row.accountId,
    row.refType,
    row.refId,
    row.taskId ?? '',
    String(row.creditsDelta),
    String(row.balanceAfter),
    row.createdAt.toISOString(),
  ].join('|');
}

/** The hash a row must carry given the previous row's hash. */
export function ledgerRowHash(
  prevHash: string,
  row: Omit<ChainedLedgerRow, 'prevHash' | 'rowHash'>,
) {
  return sha256(`${prevHash}|${canonicalLedgerRow(row)}`);
}

/**
 * Recomputes one account's chain over its complete ledger in id order. Reports each row whose
 * content no longer matches its hash (`ledger_hash_mismatch`: the row was edited) and each row
 * whose link does not match the row before it (`ledger_chain_broken`: a row was removed, added or
 * reordered). The walk continues from each row's stored hash, so one edit is reported once.
 */
export function checkLedgerChain(
  accountId: string,
  rows: readonly ChainedLedgerRow[],
): Violation[] {
  const violations: Violation[] = [];
  let expectedPrev = genesisHash(accountId);
  for (const row of rows) {
    const ledgerRowId = String(row.id);
    if (row.prevHash !== expectedPrev) {
      violations.push(
        violation(
          'ledger_chain_broken',
          `Ledger row ${ledgerRowId} does not link to the row before it (a row was removed, added or reordered).`,
          { ledgerRowId, accountId },
        ),
      );
    }
    const actual = ledgerRowHash(row.prevHash ?? '', row);
    if (row.rowHash !== actual) {
      violations.push(
        violation(
          'ledger_hash_mismatch',
          `Ledger row ${ledgerRowId} no longer matches its hash: its money fields were changed after it was written.`,
          { ledgerRowId, accountId },
        ),
      );
    }
    expectedPrev = row.rowHash ?? actual;
  }
  return violations;
}

/** The last hash of a chain (the "chain head" a statement quotes), or the genesis hash. */
export function chainHead(
  accountId: string,
  rows: readonly Pick<ChainedLedgerRow, 'rowHash'>[],
): string {
  return rows.at(-1)?.rowHash ?? genesisHash(accountId);
}
