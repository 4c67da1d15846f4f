import { describe, expect, it } from 'vitest';
import { settleBatch } from '../src/index';
import type { SettlementInput } from '../src/settlement';
import type { TaskStatus } from '../src/status';

/** A frozen batch of 10-credit tasks with the given outcomes, refunds already recorded. */
function frozenBatch(statuses: TaskStatus[], cancelRequested = false): SettlementInput {
  const tasks = statuses.map((status) => ({ status, costCredits: 10 }));
  const refunded = statuses.filter((s) => s === 'failed' || s === 'canceled').length * 10;
  return {
    requiredCredits: tasks.length * 10,
    frozenCredits: tasks.length * 10,
    totalCount: tasks.length,
    cancelRequested,
    tasks,
    refundedCredits: refunded,
  };
}

describe('settleBatch status table', () => {
  it.each([
    {
      name: 'all succeeded',
      statuses: ['succeeded', 'succeeded'],
      cancel: false,
      status: 'completed',
      settlement: 'settled',
    },
    {
      name: 'none succeeded',
      statuses: ['failed', 'failed'],
      cancel: false,
      status: 'failed',
      settlement: 'refunded',
    },
    {
      name: 'some succeeded',
      statuses: ['succeeded', 'failed'],
      cancel: false,
      status: 'partial',
      settlement: 'refunded',
    },
    {
      name: 'canceled with some canceled',
      statuses: ['succeeded', 'canceled'],
      cancel: true,
      status: 'canceled',
      settlement: 'refunded',
    },
    {
      name: 'cancel came too late',
      statuses: ['succeeded', 'succeeded'],
      cancel: true,
      status: 'completed',
      settlement: 'settled',
    },
    {
      name: 'cancel after failures only',
      statuses: ['failed', 'succeeded'],
      cancel: true,
      status: 'partial',
      settlement: 'refunded',
    },
  ] as const)('$name → $status / $settlement', ({ statuses, cancel, status, settlement }) => {
    const result = settleBatch(frozenBatch([...statuses], cancel));
    expect(result.ok && result.value.status).toBe(status);
    expect(result.ok && result.value.settlementStatus).toBe(settlement);
  });

  it('counts outcomes and credits', () => {
    expect(
      settleBatch(frozenBatch(['succeeded', 'failed', 'canceled', 'succeeded'], true)),
    ).toEqual({
      ok: true,
      value: {
        status: 'canceled',
        settlementStatus: 'refunded',
        successCount: 2,
        failedCount: 1,
        canceledCount: 1,
        creditsSpent: 20,
        refundedCredits: 20,
        netSpentCredits: 20,
      },
    });
  });

  it('settles a batch canceled before its freeze with nothing moved', () => {
    const input = {
      ...frozenBatch(['canceled', 'canceled'], true),
      frozenCredits: 0,
      refundedCredits: 0,
    };
    expect(settleBatch(input)).toMatchObject({
      ok: true,
      value: {
        status: 'canceled',
        settlementStatus: 'settled',
        creditsSpent: 0,
        netSpentCredits: 0,
      },
    });
  });
});

describe('settleBatch refusals', () => {
  it('waits until every task is terminal', () => {
    expect(settleBatch(frozenBatch(['succeeded', 'running', 'queued']))).toEqual({
      ok: false,
      error: { code: 'tasks_not_terminal', pending: 2 },
    });
  });

  it('flags a freeze that does not equal spent + refunded, without correcting it', () => {
    const input = { ...frozenBatch(['succeeded', 'failed']), refundedCredits: 0 };
    const result = settleBatch(input);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('invariant_violated');
    expect(
      !result.ok && result.error.code === 'invariant_violated' && result.error.violations,
    ).toEqual([
      expect.objectContaining({ code: 'freeze_mismatch', message: expect.stringContaining('20') }),
    ]);
  });

  it('flags a task count that differs from total_count', () => {
    const result = settleBatch({ ...frozenBatch(['succeeded']), totalCount: 2 });
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'invariant_violated', violations: [{ code: 'task_count_mismatch' }] },
    });
  });

  it('flags a freeze of a different amount than required', () => {
    const input = {
      ...frozenBatch(['succeeded', 'failed']),
      frozenCredits: 30,
      refundedCredits: 20,
    };
    expect(settleBatch(input)).toMatchObject({
      ok: false,
      error: { code: 'invariant_violated', violations: [{ code: 'frozen_required_mismatch' }] },
    });
  });

  it('throws for a non-integer figure', () => {
    expect(() =>
      settleBatch({ ...frozenBatch(['succeeded']), refundedCredits: Number.NaN }),
    ).toThrow(RangeError);
  });
});
