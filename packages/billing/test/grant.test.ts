import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planAdjustment, planTopUp } from '../src/index';

const balance = fc.integer({ min: 0, max: 1_000_000_000 });
const reason = fc.string({ minLength: 1, maxLength: 40 }).filter((text) => text.trim() !== '');
const blank = fc.constantFrom('', ' ', '   ', '\t', '\n ');

describe('planTopUp', () => {
  it('grants the credits with the reason as memo', () => {
    expect(planTopUp({ balance: 120 }, { credits: 500, reason: '  Pilot contract  ' })).toEqual({
      ok: true,
      value: {
        ledgerEntry: { refType: 'topup', creditsDelta: 500 },
        memo: 'Pilot contract',
        balanceAfter: 620,
      },
    });
  });

  it('refuses nothing, a negative amount and a missing reason', () => {
    expect(planTopUp({ balance: 0 }, { credits: 0, reason: 'x' })).toEqual({
      ok: false,
      error: { code: 'zero_delta' },
    });
    expect(planTopUp({ balance: 100 }, { credits: -5, reason: 'x' })).toEqual({
      ok: false,
      error: { code: 'wrong_sign', refType: 'topup', creditsDelta: -5 },
    });
    expect(planTopUp({ balance: 0 }, { credits: 10, reason: '  ' })).toEqual({
      ok: false,
      error: { code: 'reason_required' },
    });
  });

  it('throws for a fractional amount (a caller bug, not a refusal)', () => {
    expect(() => planTopUp({ balance: 0 }, { credits: 1.5, reason: 'x' })).toThrow(RangeError);
  });

  it('property: any positive grant with a reason adds exactly its credits', () => {
    fc.assert(
      fc.property(balance, fc.integer({ min: 1, max: 100_000_000 }), reason, (b, credits, r) => {
        const plan = planTopUp({ balance: b }, { credits, reason: r });
        expect(plan.ok).toBe(true);
        if (!plan.ok) return;
        expect(plan.value.ledgerEntry).toEqual({ refType: 'topup', creditsDelta: credits });
        expect(plan.value.balanceAfter).toBe(b + credits);
        expect(plan.value.memo).toBe(r.trim());
      }),
    );
  });

  it('property: never a top-up that takes credits away or has no reason', () => {
    fc.assert(
      fc.property(balance, fc.integer({ min: -100_000_000, max: 0 }), reason, (b, credits, r) => {
        expect(planTopUp({ balance: b }, { credits, reason: r }).ok).toBe(false);
      }),
    );
    fc.assert(
      fc.property(balance, fc.integer({ min: 1, max: 1000 }), blank, (b, credits, r) => {
        expect(planTopUp({ balance: b }, { credits, reason: r })).toEqual({
          ok: false,
          error: { code: 'reason_required' },
        });
      }),
    );
  });
});

describe('planAdjustment', () => {
  it('corrects either way, down to exactly zero', () => {
    expect(planAdjustment({ balance: 100 }, { creditsDelta: 25, reason: 'Goodwill' })).toEqual({
      ok: true,
      value: {
        ledgerEntry: { refType: 'adjustment', creditsDelta: 25 },
        memo: 'Goodwill',
        balanceAfter: 125,
      },
    });
    expect(
      planAdjustment({ balance: 100 }, { creditsDelta: -100, reason: 'Contract ended' }),
    ).toMatchObject({ ok: true, value: { balanceAfter: 0 } });
  });

  it('refuses to go below zero, a zero correction and a missing reason', () => {
    expect(planAdjustment({ balance: 100 }, { creditsDelta: -101, reason: 'x' })).toEqual({
      ok: false,
      error: { code: 'insufficient_balance', balance: 100, creditsDelta: -101 },
    });
    expect(planAdjustment({ balance: 100 }, { creditsDelta: 0, reason: 'x' })).toEqual({
      ok: false,
      error: { code: 'zero_delta' },
    });
    expect(planAdjustment({ balance: 100 }, { creditsDelta: 5, reason: '' })).toEqual({
      ok: false,
      error: { code: 'reason_required' },
    });
  });

  it('property: planned iff non-zero, with a reason, and the balance stays >= 0', () => {
    fc.assert(
      fc.property(
        balance,
        fc.integer({ min: -100_000_000, max: 100_000_000 }),
        fc.oneof(reason, blank),
        (b, delta, r) => {
          const plan = planAdjustment({ balance: b }, { creditsDelta: delta, reason: r });
          expect(plan.ok).toBe(delta !== 0 && r.trim() !== '' && b + delta >= 0);
          if (!plan.ok) return;
          expect(plan.value.ledgerEntry).toEqual({ refType: 'adjustment', creditsDelta: delta });
          expect(plan.value.balanceAfter).toBe(b + delta);
          expect(plan.value.balanceAfter).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });
});
