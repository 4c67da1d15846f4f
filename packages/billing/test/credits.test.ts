import { describe, expect, it } from 'vitest';
import { addCredits, assertCredits, assertPositiveCredits } from '../src/credits';

describe('assertCredits', () => {
  it('accepts whole, non-negative safe integers', () => {
    for (const value of [0, 1, 10, Number.MAX_SAFE_INTEGER]) {
      expect(() => assertCredits(value, 'x')).not.toThrow();
    }
  });

  it.each([0.5, -1, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1])(
    'throws a RangeError naming the label for %s',
    (value) => {
      expect(() => assertCredits(value, 'price of sora-2')).toThrow(RangeError);
      expect(() => assertCredits(value, 'price of sora-2')).toThrow(/price of sora-2/);
    },
  );

  it('requires at least one credit where a price is expected', () => {
    expect(() => assertPositiveCredits(0, 'price')).toThrow(RangeError);
    expect(() => assertPositiveCredits(1, 'price')).not.toThrow();
  });

  it('refuses sums that leave the safe integer range', () => {
    expect(addCredits(2, 3, 'sum')).toBe(5);
    expect(() => addCredits(Number.MAX_SAFE_INTEGER, 1, 'sum')).toThrow(RangeError);
  });
});
