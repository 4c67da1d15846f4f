// docs/product.md §5.7: 20 items at 10 credits, 1 fails with `timeout`.
import { describe, expect, it } from 'vitest';
import type { LedgerRow } from '../src/account-ledger';
import type { TaskLedgerView } from '../src/batch-ledger';
import {
  checkAccountLedger,
  checkBatchLedger,
  decideAdmission,
  planFreeze,
  planTaskRefund,
  quoteBatch,
  settleBatch,
} from '../src/index';

const prices = [{ model: 'sora-2', priceCredits: 10, enabled: true }];
const items = Array.from({ length: 20 }, () => ({ model: 'sora-2' }));

describe('seed scenario: 20 × sora-2 at 10 credits, one timeout', () => {
  const quoted = quoteBatch(items, prices);
  if (!quoted.ok) throw new Error('seed batch must quote');
  const quote = quoted.value;

  const tasks: TaskLedgerView[] = items.map((_, i) => ({
    id: `task-${i}`,
    status: i === 7 ? 'failed' : 'succeeded',
    costCredits: quote.itemPrices[i] ?? 0,
  }));

  it('quotes 200 credits at 10 per video', () => {
    expect(quote.totalCount).toBe(20);
    expect(quote.requiredCredits).toBe(200);
    expect(quote.costPerVideo).toBe(10);
    expect(quote.breakdown).toEqual([
      { model: 'sora-2', count: 20, priceCredits: 10, subtotalCredits: 200 },
    ]);
  });

  it('admits against the demo balance of 5,000', () => {
    expect(decideAdmission(quote, { balance: 5000, reservedCredits: 0 })).toEqual({
      admitted: true,
      requiredCredits: 200,
      availableCredits: 5000,
    });
  });

  const freeze = planFreeze({ status: 'queued', requiredCredits: 200, frozenCredits: 0 });
  const refund = planTaskRefund({ status: 'failed', costCredits: 10, refunded: false });

  it('freezes 200 as one batch_upfront of -200', () => {
    expect(freeze).toEqual({
      ok: true,
      value: {
        status: 'processing',
        frozenCredits: 200,
        ledgerEntry: { refType: 'batch_upfront', creditsDelta: -200 },
      },
    });
  });

  it('refunds the timed-out task +10', () => {
    expect(refund).toEqual({ ok: true, value: { refType: 'batch_refund', creditsDelta: 10 } });
  });

  const settled = settleBatch({
    requiredCredits: 200,
    frozenCredits: 200,
    totalCount: 20,
    cancelRequested: false,
    tasks,
    refundedCredits: 10,
  });

  it('settles as partial: 19 succeeded, 1 failed, 190 spent, 10 refunded', () => {
    expect(settled).toEqual({
      ok: true,
      value: {
        status: 'partial',
        settlementStatus: 'refunded',
        successCount: 19,
        failedCount: 1,
        canceledCount: 0,
        creditsSpent: 190,
        refundedCredits: 10,
        netSpentCredits: 190,
      },
    });
  });

  it('passes every ledger check', () => {
    if (!settled.ok) throw new Error('seed batch must settle');
    const rows: LedgerRow[] = [
      row(1n, 'topup', 'grant-1', null, 5000, 5000),
      row(2n, 'batch_upfront', 'batch-1', null, -200, 4800),
      row(3n, 'batch_refund', 'batch-1', 'task-7', 10, 4810),
    ];
    expect(checkAccountLedger({ id: 'demo', balance: 4810 }, rows)).toEqual([]);
    const batch = {
      id: 'batch-1',
      accountId: 'demo',
      requiredCredits: 200,
      frozenCredits: 200,
      ...settled.value,
    };
    expect(batch.frozenCredits).toBe(200);
    expect(checkBatchLedger(batch, tasks, rows.slice(1))).toEqual([]);
  });
});

function row(
  id: bigint,
  refType: LedgerRow['refType'],
  refId: string,
  taskId: string | null,
  creditsDelta: number,
  balanceAfter: number,
): LedgerRow {
  return { id, accountId: 'demo', refType, refId, taskId, creditsDelta, balanceAfter };
}
