import { assertSafeInteger } from './credits';
import { expectedDeltaSign, hasValidDeltaSign } from './ledger';
import type { LedgerRefType } from './status';
import type { Violation, ViolationRefs } from './violation';
import { violation } from './violation';

/** One `credit_ledger` row as read back for reconciliation. */
export interface LedgerRow {
  id: string | number | bigint;
  accountId: string;
  refType: LedgerRefType;
  /** The batch id for batch entries; the grant's or correction's id otherwise. */
  refId: string;
  /** The task a `batch_refund` returns credits for; null for other rows. */
  taskId: string | null;
  creditsDelta: number;
  balanceAfter: number;
}

/**
 * Checks one account's whole ledger against its stored balance (docs/product.md §5.5). `rows` must be the
 * account's complete ledger in ledger (id) order.
 *
 * Invariants checked: every row belongs to the account and has a unique id; no row moves 0
 * credits; each delta has its ref type's sign (topup > 0, batch_upfront < 0, batch_refund > 0,
 * adjustment either); each row's `balanceAfter` = previous row's `balanceAfter` + its delta
 * (starting from 0), i.e. the running sum; no balance is ever negative (neither a
 * `balanceAfter` nor the running Σ deltas, reported once per dip); the stored balance
 * = Σ deltas. Each mismatching row is reported once (the chain resumes from the stored figure),
 * so one bad row does not drown the report. Returns `[]` when all hold.
 *
 * @throws RangeError if a delta or balance is not a safe integer.
 */
export function checkAccountLedger(
  account: { id: string; balance: number },
  rows: readonly LedgerRow[],
): Violation[] {
  assertSafeInteger(account.balance, 'account balance');
  const violations: Violation[] = [];
  const seenIds = new Set<string>();
  let sum = 0;
  let previousAfter = 0;
  let wasNegative = false;

  for (const row of rows) {
    assertSafeInteger(row.creditsDelta, 'credits delta');
    assertSafeInteger(row.balanceAfter, 'balance after');
    const ledgerRowId = String(row.id);
    // Built only when something is wrong: the happy path allocates nothing per row.
    const refs = (): ViolationRefs =>
      row.taskId === null
        ? { ledgerRowId, accountId: account.id }
        : { ledgerRowId, accountId: account.id, taskId: row.taskId };

    if (row.accountId !== account.id) {
      violations.push(
        violation(
          'wrong_account',
          `ledger row ${ledgerRowId} belongs to account ${row.accountId}, not ${account.id}`,
          refs(),
        ),
      );
    }
    if (seenIds.has(ledgerRowId)) {
      violations.push(
        violation(
          'duplicate_row_id',
          `ledger row id ${ledgerRowId} appears more than once`,
          refs(),
        ),
      );
    }
    seenIds.add(ledgerRowId);

    if (row.creditsDelta === 0) {
      violations.push(violation('zero_delta', `ledger row ${ledgerRowId} moves 0 credits`, refs()));
    } else if (!hasValidDeltaSign(row.refType, row.creditsDelta)) {
      violations.push(
        violation(
          'wrong_sign',
          `${row.refType} row ${ledgerRowId} has delta ${row.creditsDelta}; it must be ${expectedDeltaSign(row.refType)}`,
          refs(),
        ),
      );
    }

    sum += row.creditsDelta;
    assertSafeInteger(sum, 'sum of credits deltas');
    const expectedAfter = previousAfter + row.creditsDelta;
    if (row.balanceAfter !== expectedAfter) {
      violations.push(
        violation(
          'balance_after_mismatch',
          `ledger row ${ledgerRowId} records balance_after ${row.balanceAfter}, expected ${previousAfter} + ${row.creditsDelta} = ${expectedAfter}`,
          refs(),
        ),
      );
    }
    // Reported when the balance dips below 0, not again on every row while it stays there.
    const negative = row.balanceAfter < 0 || sum < 0;
    if (negative && !wasNegative) {
      violations.push(
        violation(
          'negative_balance',
          `balance goes below 0 at ledger row ${ledgerRowId} (balance_after ${row.balanceAfter}, running sum ${sum})`,
          refs(),
        ),
      );
    }
    wasNegative = negative;
    previousAfter = row.balanceAfter;
  }

  if (account.balance !== sum) {
    violations.push(
      violation(
        'balance_mismatch',
        `account balance is ${account.balance} but its ledger deltas add up to ${sum}`,
        { accountId: account.id },
      ),
    );
  }
  if (account.balance < 0 && !wasNegative) {
    violations.push(
      violation('negative_balance', `account balance is ${account.balance}, below 0`, {
        accountId: account.id,
      }),
    );
  }
  return violations;
}
