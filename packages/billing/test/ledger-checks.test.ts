import { describe, expect, it } from 'vitest';
import type { LedgerRow } from '../src/account-ledger';
import type { BatchLedgerView, TaskLedgerView } from '../src/batch-ledger';
import { checkAccountLedger, checkBatchLedger } from '../src/index';
import { planLedgerEntry } from '../src/ledger';

const A = 'acct-1';
const B = 'batch-1';

function row(
  id: number,
  refType: LedgerRow['refType'],
  creditsDelta: number,
  balanceAfter: number,
  extra: Partial<LedgerRow> = {},
): LedgerRow {
  const refId = refType === 'batch_upfront' || refType === 'batch_refund' ? B : `ref-${id}`;
  return { id, accountId: A, refType, refId, taskId: null, creditsDelta, balanceAfter, ...extra };
}

function codes(violations: readonly { code: string }[]): string[] {
  return violations.map((v) => v.code);
}

describe('planLedgerEntry', () => {
  it('computes balance_after and refuses movements that break the account rules', () => {
    expect(planLedgerEntry(100, { refType: 'batch_upfront', creditsDelta: -40 })).toEqual({
      ok: true,
      value: { refType: 'batch_upfront', creditsDelta: -40, balanceAfter: 60 },
    });
    expect(planLedgerEntry(100, { refType: 'adjustment', creditsDelta: 0 })).toEqual({
      ok: false,
      error: { code: 'zero_delta' },
    });
    expect(planLedgerEntry(100, { refType: 'topup', creditsDelta: -5 })).toMatchObject({
      ok: false,
      error: { code: 'wrong_sign' },
    });
    expect(planLedgerEntry(100, { refType: 'adjustment', creditsDelta: -101 })).toEqual({
      ok: false,
      error: { code: 'insufficient_balance', balance: 100, creditsDelta: -101 },
    });
    expect(planLedgerEntry(100, { refType: 'adjustment', creditsDelta: -100 }).ok).toBe(true);
  });
});

describe('checkAccountLedger', () => {
  const good = [
    row(1, 'topup', 1000, 1000),
    row(2, 'batch_upfront', -300, 700),
    row(3, 'batch_refund', 10, 710, { taskId: 't-1' }),
    row(4, 'adjustment', -10, 700),
  ];

  it('accepts a consistent ledger', () => {
    expect(checkAccountLedger({ id: A, balance: 700 }, good)).toEqual([]);
    expect(checkAccountLedger({ id: A, balance: 0 }, [])).toEqual([]);
  });

  it('reports a wrong sign per ref type and a zero delta', () => {
    const rows = [
      row(1, 'topup', 100, 100),
      row(2, 'batch_refund', -10, 90),
      row(3, 'batch_upfront', 20, 110),
      row(4, 'adjustment', 0, 110),
    ];
    expect(codes(checkAccountLedger({ id: A, balance: 110 }, rows))).toEqual([
      'wrong_sign',
      'wrong_sign',
      'zero_delta',
    ]);
  });

  it('reports the one row whose balance_after is off, naming the figures', () => {
    const rows = good.map((r) => (r.id === 2 ? { ...r, balanceAfter: 699 } : r));
    const found = checkAccountLedger({ id: A, balance: 700 }, rows);
    expect(found[0]).toMatchObject({ code: 'balance_after_mismatch', ledgerRowId: '2' });
    expect(found[0]?.message).toContain('1000 + -300 = 700');
  });

  it('reports a stored balance that differs from Σ deltas', () => {
    expect(checkAccountLedger({ id: A, balance: 701 }, good)).toEqual([
      expect.objectContaining({ code: 'balance_mismatch', accountId: A }),
    ]);
  });

  it('reports a dip below zero once', () => {
    const rows = [
      row(1, 'topup', 10, 10),
      row(2, 'adjustment', -20, -10),
      row(3, 'adjustment', -5, -15),
    ];
    expect(codes(checkAccountLedger({ id: A, balance: -15 }, rows))).toEqual(['negative_balance']);
  });

  it('reports a dip below zero that later recovers, at the row where it happened', () => {
    const rows = [row(1, 'topup', 10, 10), row(2, 'adjustment', -20, -10), row(3, 'topup', 30, 20)];
    expect(checkAccountLedger({ id: A, balance: 20 }, rows)).toEqual([
      expect.objectContaining({ code: 'negative_balance', ledgerRowId: '2' }),
    ]);
  });

  it('reports rows of another account and repeated ids', () => {
    const rows = [row(1, 'topup', 10, 10), row(1, 'topup', 5, 15, { accountId: 'acct-2' })];
    expect(codes(checkAccountLedger({ id: A, balance: 15 }, rows))).toEqual([
      'wrong_account',
      'duplicate_row_id',
    ]);
  });
});

describe('checkBatchLedger', () => {
  const tasks: TaskLedgerView[] = [
    { id: 't-0', status: 'succeeded', costCredits: 10 },
    { id: 't-1', status: 'failed', costCredits: 30 },
    { id: 't-2', status: 'canceled', costCredits: 10 },
  ];
  const batch: BatchLedgerView = {
    id: B,
    accountId: A,
    status: 'canceled',
    settlementStatus: 'refunded',
    requiredCredits: 50,
    frozenCredits: 50,
    creditsSpent: 10,
    refundedCredits: 40,
    successCount: 1,
    failedCount: 1,
    canceledCount: 1,
  };
  const rows = [
    row(2, 'batch_upfront', -50, 950),
    row(3, 'batch_refund', 30, 980, { taskId: 't-1' }),
    row(4, 'batch_refund', 10, 990, { taskId: 't-2' }),
  ];

  it('accepts a consistent settled batch', () => {
    expect(checkBatchLedger(batch, tasks, rows)).toEqual([]);
  });

  it('accepts a queued batch with nothing frozen and a running one with its freeze', () => {
    const pending = {
      ...batch,
      settlementStatus: 'pending' as const,
      creditsSpent: 0,
      refundedCredits: 0,
    };
    const queuedTasks = tasks.map((t) => ({ ...t, status: 'queued' as const }));
    expect(
      checkBatchLedger({ ...pending, status: 'queued', frozenCredits: 0 }, queuedTasks, []),
    ).toEqual([]);
    expect(checkBatchLedger({ ...pending, status: 'processing' }, tasks, rows)).toEqual([]);
  });

  it.each([
    {
      name: 'a second upfront',
      change: () => ({ rows: [...rows, row(9, 'batch_upfront', -50, 940)] }),
      expected: 'duplicate_upfront',
    },
    {
      name: 'an upfront for a batch that never froze',
      change: () => ({
        batch: {
          ...batch,
          frozenCredits: 0,
          creditsSpent: 0,
          refundedCredits: 0,
          settlementStatus: 'settled' as const,
        },
        rows: [rows[0] as LedgerRow],
      }),
      expected: 'unexpected_upfront',
    },
    {
      name: 'a refund naming no task',
      change: () => ({ rows: [...rows, row(9, 'batch_refund', 10, 1000)] }),
      expected: 'refund_without_task',
    },
    {
      name: 'a refund for a task of another batch',
      change: () => ({ rows: [...rows, row(9, 'batch_refund', 10, 1000, { taskId: 't-x' })] }),
      expected: 'refund_unknown_task',
    },
    {
      name: 'a refund of an unfinished task',
      change: () => ({
        batch: { ...batch, status: 'processing' as const, settlementStatus: 'pending' as const },
        tasks: tasks.map((t) => (t.id === 't-1' ? { ...t, status: 'running' as const } : t)),
      }),
      expected: 'refund_of_unfinished_task',
    },
    {
      name: 'refunds beyond the freeze',
      change: () => ({ rows: [...rows, row(9, 'batch_refund', 30, 1020, { taskId: 't-1' })] }),
      expected: 'refund_exceeds_freeze',
    },
    {
      name: 'a freeze that differs from required',
      change: () => ({ batch: { ...batch, requiredCredits: 60 } }),
      expected: 'frozen_required_mismatch',
    },
    {
      name: 'a queued batch with credits frozen',
      change: () => ({
        batch: { ...batch, status: 'queued' as const, settlementStatus: 'pending' as const },
      }),
      expected: 'freeze_status_mismatch',
    },
    {
      name: 'a wrong credits_spent',
      change: () => ({ batch: { ...batch, creditsSpent: 20, refundedCredits: 30 } }),
      expected: 'spent_mismatch',
    },
    {
      name: 'a freeze that is not spent + refunded',
      change: () => ({ batch: { ...batch, refundedCredits: 39 } }),
      expected: 'freeze_mismatch',
    },
    {
      name: 'a stored refunded figure that differs from the ledger',
      change: () => ({ batch: { ...batch, creditsSpent: 20, refundedCredits: 30 } }),
      expected: 'refunded_mismatch',
    },
    {
      name: 'a wrong stored count',
      change: () => ({ batch: { ...batch, failedCount: 2 } }),
      expected: 'count_mismatch',
    },
    {
      name: 'settled although credits went back',
      change: () => ({ batch: { ...batch, settlementStatus: 'settled' as const } }),
      expected: 'settlement_status_mismatch',
    },
    {
      name: 'a final status with a pending settlement',
      change: () => ({ batch: { ...batch, settlementStatus: 'pending' as const } }),
      expected: 'settlement_status_mismatch',
    },
    {
      name: 'a status that does not fit the outcomes',
      change: () => ({ batch: { ...batch, status: 'completed' as const } }),
      expected: 'status_mismatch',
    },
    {
      name: 'a settled batch with an unfinished task',
      change: () => ({
        tasks: [...tasks, { id: 't-3', status: 'running' as const, costCredits: 0 }],
      }),
      expected: 'tasks_not_terminal',
    },
    {
      name: 'task costs that do not add up to required',
      change: () => ({ tasks: tasks.map((t) => (t.id === 't-0' ? { ...t, costCredits: 11 } : t)) }),
      expected: 'required_mismatch',
    },
    {
      name: 'a row of another batch',
      change: () => ({
        rows: [...rows, row(9, 'batch_refund', 10, 1000, { refId: 'batch-2', taskId: 't-2' })],
      }),
      expected: 'wrong_batch_ref',
    },
    {
      name: 'a row on another account',
      change: () => ({ rows: rows.map((r) => (r.id === 2 ? { ...r, accountId: 'acct-2' } : r)) }),
      expected: 'wrong_account',
    },
  ])('reports $expected for $name', ({ change, expected }) => {
    const changed = { batch, tasks, rows, ...change() };
    const found = checkBatchLedger(changed.batch, changed.tasks, changed.rows);
    expect(codes(found)).toContain(expected);
    for (const v of found) {
      expect(v).toMatchObject({ batchId: B, accountId: A });
      expect(v.message.length).toBeGreaterThan(0);
    }
  });
});
