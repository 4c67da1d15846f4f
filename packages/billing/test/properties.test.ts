import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LedgerRow } from '../src/account-ledger';
import {
  checkAccountLedger,
  checkBatchLedger,
  planFreeze,
  planTaskRefund,
  settleBatch,
} from '../src/index';
import type { Outcome, Scenario, ScenarioInput } from './support/scenario';
import { BATCH_ID, rechain, runScenario } from './support/scenario';

const scenarioInput: fc.Arbitrary<ScenarioInput> = fc.record({
  modelPrices: fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 10 }),
  items: fc.array(
    fc.record({
      model: fc.nat({ max: 9 }),
      outcome: fc.constantFrom<Outcome>('succeeded', 'failed', 'canceled'),
    }),
    { minLength: 1, maxLength: 200 },
  ),
  cancelRequested: fc.boolean(),
  canceledBeforeFreeze: fc.oneof(
    { weight: 9, arbitrary: fc.constant(false) },
    { weight: 1, arbitrary: fc.constant(true) },
  ),
  spareCredits: fc.integer({ min: 0, max: 5000 }),
});

const scenario: fc.Arbitrary<Scenario> = scenarioInput.map(runScenario);

function pick<T>(items: readonly T[], n: number): T {
  const item = items[n % items.length];
  if (item === undefined) {
    throw new Error('pick from an empty list');
  }
  return item;
}

function codes(violations: readonly { code: string }[]): string[] {
  return violations.map((v) => v.code);
}

function refundRows(s: Scenario): LedgerRow[] {
  return s.rows.filter((row) => row.refType === 'batch_refund');
}

function nextId(rows: readonly LedgerRow[]): bigint {
  return BigInt(rows.length + 1);
}

describe('money rules hold for any batch', () => {
  it('settles with frozen = spent + refunded, and spent = Σ cost(succeeded)', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const succeededCost = s.tasks
          .filter((t) => t.status === 'succeeded')
          .reduce((sum, t) => sum + t.costCredits, 0);
        expect(s.settlement.creditsSpent).toBe(succeededCost);
        expect(s.batch.frozenCredits).toBe(
          s.settlement.creditsSpent + s.settlement.refundedCredits,
        );
        expect(s.settlement.netSpentCredits).toBe(s.settlement.creditsSpent);
        expect(
          s.settlement.successCount + s.settlement.failedCount + s.settlement.canceledCount,
        ).toBe(s.tasks.length);
      }),
    );
  });

  it('never refunds more than was frozen', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const refunded = refundRows(s).reduce((sum, row) => sum + row.creditsDelta, 0);
        expect(refunded).toBeLessThanOrEqual(s.batch.frozenCredits);
      }),
    );
  });

  it('never refunds a succeeded task, and refunds each failed or canceled task once', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const refundsByTask = new Map<string, number>();
        for (const row of refundRows(s)) {
          refundsByTask.set(row.taskId ?? '', (refundsByTask.get(row.taskId ?? '') ?? 0) + 1);
        }
        for (const task of s.tasks) {
          const plan = planTaskRefund({ ...task, refunded: false });
          if (task.status === 'succeeded') {
            expect(plan).toEqual({ ok: false, error: { code: 'task_succeeded' } });
            expect(refundsByTask.has(task.id)).toBe(false);
          } else {
            expect(plan).toEqual({
              ok: true,
              value: { refType: 'batch_refund', creditsDelta: task.costCredits },
            });
            expect(planTaskRefund({ ...task, refunded: true })).toEqual({
              ok: false,
              error: { code: 'already_refunded' },
            });
            expect(refundsByTask.get(task.id)).toBe(s.batch.frozenCredits > 0 ? 1 : undefined);
          }
        }
      }),
    );
  });

  it('freezes exactly once', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const upfronts = s.rows.filter((row) => row.refType === 'batch_upfront');
        expect(upfronts.length).toBe(s.batch.frozenCredits > 0 ? 1 : 0);
        const retry = planFreeze({
          status: s.batch.status,
          requiredCredits: s.batch.requiredCredits,
          frozenCredits: s.batch.frozenCredits,
        });
        expect(retry.ok).toBe(false);
      }),
    );
  });

  it('replays the account ledger: balance = Σ deltas, never negative, no violations', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        let running = 0;
        for (const row of s.rows) {
          running += row.creditsDelta;
          expect(row.balanceAfter).toBe(running);
          expect(running).toBeGreaterThanOrEqual(0);
        }
        expect(s.account.balance).toBe(running);
        expect(checkAccountLedger(s.account, s.rows)).toEqual([]);
      }),
    );
  });

  it('finds nothing wrong with a correctly run batch', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        expect(checkBatchLedger(s.batch, s.tasks, s.batchRows)).toEqual([]);
      }),
    );
  });
});

describe('corrupted ledgers are caught', () => {
  it('a duplicated refund is reported as duplicate_refund', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), (s, n) => {
        fc.pre(refundRows(s).length > 0);
        const copy = { ...pick(refundRows(s), n), id: nextId(s.rows) };
        const rows = rechain([...s.rows, copy]);
        const batchRows = rows.filter((row) => row.refId === BATCH_ID);
        expect(codes(checkBatchLedger(s.batch, s.tasks, batchRows))).toContain('duplicate_refund');
      }),
    );
  });

  it('a changed delta breaks the balance chain and the batch amounts', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), fc.integer({ min: -50, max: 50 }), (s, n, offset) => {
        fc.pre(offset !== 0);
        const index = n % s.rows.length;
        const rows = s.rows.map((row, i) =>
          i === index ? { ...row, creditsDelta: row.creditsDelta + offset } : row,
        );
        const accountCodes = codes(checkAccountLedger(s.account, rows));
        expect(accountCodes).toContain('balance_after_mismatch');
        expect(accountCodes).toContain('balance_mismatch');
        const changed = rows[index];
        const batchCodes = codes(
          checkBatchLedger(
            s.batch,
            s.tasks,
            rows.filter((row) => row.refId === BATCH_ID),
          ),
        );
        if (changed?.refType === 'batch_upfront') {
          expect(batchCodes).toContain('upfront_amount_mismatch');
        } else if (changed?.refType === 'batch_refund') {
          expect(batchCodes).toContain('refund_amount_mismatch');
        }
      }),
    );
  });

  it('a dropped upfront is reported as missing_upfront', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        fc.pre(s.batch.frozenCredits > 0);
        const rows = s.rows.filter((row) => row.refType !== 'batch_upfront');
        const batchRows = rows.filter((row) => row.refId === BATCH_ID);
        expect(codes(checkBatchLedger(s.batch, s.tasks, batchRows))).toContain('missing_upfront');
        expect(codes(checkAccountLedger(s.account, rows))).toContain('balance_mismatch');
      }),
    );
  });

  it('a dropped refund is reported as missing_refund', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), (s, n) => {
        fc.pre(refundRows(s).length > 0);
        const dropped = pick(refundRows(s), n);
        const batchRows = s.batchRows.filter((row) => row !== dropped);
        const found = checkBatchLedger(s.batch, s.tasks, batchRows);
        expect(found).toContainEqual(
          expect.objectContaining({ code: 'missing_refund', taskId: dropped.taskId }),
        );
      }),
    );
  });

  it('a refund of a succeeded task is reported as refund_of_succeeded_task', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), (s, n) => {
        const succeeded = s.tasks.filter((t) => t.status === 'succeeded');
        fc.pre(succeeded.length > 0);
        const task = pick(succeeded, n);
        const rogue: LedgerRow = {
          id: nextId(s.rows),
          accountId: s.account.id,
          refType: 'batch_refund',
          refId: BATCH_ID,
          taskId: task.id,
          creditsDelta: task.costCredits,
          balanceAfter: s.account.balance + task.costCredits,
        };
        const found = codes(checkBatchLedger(s.batch, s.tasks, [...s.batchRows, rogue]));
        expect(found).toContain('refund_of_succeeded_task');
      }),
    );
  });

  it('a balance driven below zero is reported as negative_balance', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 1, max: 1000 }), (s, overdraft) => {
        const delta = -(s.account.balance + overdraft);
        const adjustment: LedgerRow = {
          id: nextId(s.rows),
          accountId: s.account.id,
          refType: 'adjustment',
          refId: 'correction-1',
          taskId: null,
          creditsDelta: delta,
          balanceAfter: -overdraft,
        };
        const found = checkAccountLedger({ ...s.account, balance: -overdraft }, [
          ...s.rows,
          adjustment,
        ]);
        expect(codes(found)).toEqual(['negative_balance']);
      }),
    );
  });

  it('a dip below zero in the middle of the ledger is reported even if it recovers', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), fc.integer({ min: 1, max: 1000 }), (s, n, overdraft) => {
        const at = n % s.rows.length;
        const before = rechain(s.rows.slice(0, at + 1));
        const low = (before[before.length - 1]?.balanceAfter ?? 0) + overdraft;
        const dip = (id: number, creditsDelta: number): LedgerRow => ({
          id: `dip-${id}`,
          accountId: s.account.id,
          refType: 'adjustment',
          refId: `correction-${id}`,
          taskId: null,
          creditsDelta,
          balanceAfter: 0,
        });
        const rows = rechain([
          ...s.rows.slice(0, at + 1),
          dip(1, -low),
          dip(2, low),
          ...s.rows.slice(at + 1),
        ]);
        const found = checkAccountLedger(s.account, rows);
        expect(found).toEqual([
          expect.objectContaining({ code: 'negative_balance', ledgerRowId: 'dip-1' }),
        ]);
      }),
    );
  });

  it('settlement refuses refunded credits that do not add up', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 1, max: 100 }), (s, extra) => {
        const result = settleBatch({
          requiredCredits: s.batch.requiredCredits,
          frozenCredits: s.batch.frozenCredits,
          totalCount: s.tasks.length,
          cancelRequested: s.cancelRequested,
          tasks: s.tasks,
          refundedCredits: s.settlement.refundedCredits + extra,
        });
        expect(result.ok).toBe(false);
        if (!result.ok && result.error.code === 'invariant_violated') {
          expect(codes(result.error.violations)).toContain('freeze_mismatch');
        } else {
          expect.fail('expected invariant_violated');
        }
      }),
    );
  });
});
