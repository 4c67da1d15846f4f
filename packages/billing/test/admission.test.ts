import { describe, expect, it } from 'vitest';
import { availableCredits, decideAdmission } from '../src/index';

describe('availableCredits', () => {
  it('is the balance minus what admitted, unfrozen batches reserve', () => {
    expect(availableCredits(5000, 1200)).toBe(3800);
  });

  it('is not clamped when the data is inconsistent', () => {
    expect(availableCredits(100, 300)).toBe(-200);
  });
});

describe('decideAdmission', () => {
  it('admits a batch that costs exactly what is available', () => {
    expect(
      decideAdmission({ requiredCredits: 300 }, { balance: 500, reservedCredits: 200 }),
    ).toEqual({ admitted: true, requiredCredits: 300, availableCredits: 300 });
  });

  it('refuses a batch one credit short, with both figures', () => {
    expect(
      decideAdmission({ requiredCredits: 301 }, { balance: 500, reservedCredits: 200 }),
    ).toEqual({
      admitted: false,
      code: 'insufficient_credits',
      requiredCredits: 301,
      availableCredits: 300,
    });
  });

  it('refuses everything when reservations already exceed the balance', () => {
    const decision = decideAdmission({ requiredCredits: 1 }, { balance: 10, reservedCredits: 20 });
    expect(decision).toMatchObject({ admitted: false, availableCredits: -10 });
  });

  it('throws for a non-integer amount', () => {
    expect(() =>
      decideAdmission({ requiredCredits: 1.5 }, { balance: 10, reservedCredits: 0 }),
    ).toThrow(RangeError);
    expect(() =>
      decideAdmission({ requiredCredits: 1 }, { balance: 10, reservedCredits: -1 }),
    ).toThrow(RangeError);
  });
});
