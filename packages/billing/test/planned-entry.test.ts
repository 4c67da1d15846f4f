import { BATCH_STATUSES, TASK_STATUSES } from '@batchreel/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlannedLedgerEntry } from '../src/index';
import { planAdjustment, planFreeze, planTaskRefund, planTopUp } from '../src/index';
import { approve, hasValidDeltaSign } from '../src/ledger';

describe('PlannedLedgerEntry', () => {
  it('cannot be built by hand: only a planner makes one', () => {
    // @ts-expect-error an object literal is not a planned entry (the type is nominal)
    const forged: PlannedLedgerEntry = { refType: 'topup', creditsDelta: 5 };
    // @ts-expect-error neither is a refund plan with its refType widened
    const widened: PlannedLedgerEntry<'batch_refund'> = {
      refType: 'batch_refund',
      creditsDelta: 5,
    };
    expect([forged, widened]).toHaveLength(2);
  });

  it('is never a zero or wrongly signed movement', () => {
    expect(() => approve('topup', 0)).toThrow(RangeError);
    expect(() => approve('batch_upfront', 10)).toThrow(RangeError);
    expect(() => approve('batch_refund', -10)).toThrow(RangeError);
    expect(() => approve('adjustment', 0.5)).toThrow(RangeError);
    expect(approve('adjustment', -3)).toEqual({ refType: 'adjustment', creditsDelta: -3 });
  });

  it('property: whatever the planners approve has the sign its ref type requires', () => {
    const credits = fc.integer({ min: 0, max: 1_000_000 });
    fc.assert(
      fc.property(
        fc.constantFrom(...BATCH_STATUSES),
        fc.constantFrom(...TASK_STATUSES),
        credits,
        credits,
        fc.boolean(),
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        (batchStatus, taskStatus, required, balance, refunded, delta) => {
          const entries: PlannedLedgerEntry[] = [];
          const freeze = planFreeze({
            status: batchStatus,
            requiredCredits: required + 1,
            frozenCredits: 0,
          });
          if (freeze.ok) entries.push(freeze.value.ledgerEntry);
          const refund = planTaskRefund({ status: taskStatus, costCredits: required, refunded });
          if (refund.ok) entries.push(refund.value);
          const topUp = planTopUp({ balance }, { credits: delta, reason: 'r' });
          if (topUp.ok) entries.push(topUp.value.ledgerEntry);
          const adjustment = planAdjustment({ balance }, { creditsDelta: delta, reason: 'r' });
          if (adjustment.ok) entries.push(adjustment.value.ledgerEntry);
          for (const entry of entries) {
            expect(hasValidDeltaSign(entry.refType, entry.creditsDelta)).toBe(true);
          }
        },
      ),
    );
  });
});
