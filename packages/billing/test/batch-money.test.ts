import { TASK_STATUSES } from '@batchreel/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchMoney, settleBatch } from '../src/index';
import type { TaskStatus } from '../src/status';

describe('batchMoney', () => {
  it('the seed scenario while it runs: 12 done, the timeout refunded, 7 still frozen', () => {
    expect(batchMoney({ frozenCredits: 200, succeededCost: 120, refundedSoFar: 10 })).toEqual({
      frozenCredits: 200,
      creditsSpent: 120,
      refundedCredits: 10,
      pendingCredits: 70,
      netSpentCredits: 190,
    });
  });

  it('the seed scenario settled: the figures of docs/product.md §5.7', () => {
    expect(
      batchMoney({
        frozenCredits: 200,
        succeededCost: 190,
        refundedSoFar: 10,
        settled: { creditsSpent: 190, refundedCredits: 10 },
      }),
    ).toEqual({
      frozenCredits: 200,
      creditsSpent: 190,
      refundedCredits: 10,
      pendingCredits: 0,
      netSpentCredits: 190,
    });
  });

  it('a queued batch has frozen, spent and refunded nothing', () => {
    expect(batchMoney({ frozenCredits: 0, succeededCost: 0, refundedSoFar: 0 })).toEqual({
      frozenCredits: 0,
      creditsSpent: 0,
      refundedCredits: 0,
      pendingCredits: 0,
      netSpentCredits: 0,
    });
  });

  it('refuses a fractional or negative amount', () => {
    expect(() => batchMoney({ frozenCredits: 10.5, succeededCost: 0, refundedSoFar: 0 })).toThrow(
      RangeError,
    );
    expect(() => batchMoney({ frozenCredits: 10, succeededCost: -1, refundedSoFar: 0 })).toThrow(
      RangeError,
    );
  });

  // Any frozen batch at any moment: refunds exist exactly for failed and canceled tasks (they
  // are written in the transaction that ends the task), so the figures always add up; once every
  // task has ended, settlement's own figures are the same numbers.
  it('frozen = spent + refunded + still frozen at every moment; net spent = spent once settled', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            cost: fc.integer({ min: 1, max: 1000 }),
            status: fc.constantFrom<TaskStatus>(...TASK_STATUSES),
          }),
          { minLength: 1, maxLength: 100 },
        ),
        (tasks) => {
          const sum = (statuses: TaskStatus[]) =>
            tasks.filter((t) => statuses.includes(t.status)).reduce((s, t) => s + t.cost, 0);
          const frozen = sum([...TASK_STATUSES]);
          const live = batchMoney({
            frozenCredits: frozen,
            succeededCost: sum(['succeeded']),
            refundedSoFar: sum(['failed', 'canceled']),
          });
          expect(live.creditsSpent + live.refundedCredits + live.pendingCredits).toBe(frozen);
          expect(live.pendingCredits).toBe(sum(['queued', 'running']));
          expect(live.netSpentCredits).toBe(live.creditsSpent + live.pendingCredits);
          expect(live.netSpentCredits).toBe(frozen - live.refundedCredits);

          if (live.pendingCredits > 0) return;
          const settlement = settleBatch({
            requiredCredits: frozen,
            frozenCredits: frozen,
            totalCount: tasks.length,
            cancelRequested: false,
            tasks: tasks.map((t) => ({ status: t.status, costCredits: t.cost })),
            refundedCredits: live.refundedCredits,
          });
          if (!settlement.ok) throw new Error(JSON.stringify(settlement.error));
          const settled = batchMoney({
            frozenCredits: frozen,
            succeededCost: live.creditsSpent,
            refundedSoFar: live.refundedCredits,
            settled: settlement.value,
          });
          expect(settled).toEqual(live);
          expect(settled.netSpentCredits).toBe(settlement.value.creditsSpent);
        },
      ),
    );
  });
});
