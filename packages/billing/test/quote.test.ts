import { describe, expect, it } from 'vitest';
import type { ModelPrice } from '../src/index';
import { quoteBatch } from '../src/index';

const prices: ModelPrice[] = [
  { model: 'sora-2', priceCredits: 10, enabled: true },
  { model: 'sora-2-pro', priceCredits: 30, enabled: true },
  { model: 'veo-old', priceCredits: 5, enabled: false },
];

describe('quoteBatch', () => {
  it('prices a mixed batch per item, with a breakdown in order of first appearance', () => {
    const result = quoteBatch(
      [{ model: 'sora-2-pro' }, { model: 'sora-2' }, { model: 'sora-2-pro' }, { model: 'sora-2' }],
      prices,
    );
    expect(result).toEqual({
      ok: true,
      value: {
        totalCount: 4,
        itemPrices: [30, 10, 30, 10],
        costPerVideo: null,
        requiredCredits: 80,
        breakdown: [
          { model: 'sora-2-pro', count: 2, priceCredits: 30, subtotalCredits: 60 },
          { model: 'sora-2', count: 2, priceCredits: 10, subtotalCredits: 20 },
        ],
      },
    });
  });

  it('gives a cost per video when different models cost the same', () => {
    const samePrice: ModelPrice[] = [
      { model: 'a', priceCredits: 7, enabled: true },
      { model: 'b', priceCredits: 7, enabled: true },
    ];
    const result = quoteBatch([{ model: 'a' }, { model: 'b' }], samePrice);
    expect(result.ok && result.value.costPerVideo).toBe(7);
    expect(result.ok && result.value.breakdown.length).toBe(2);
  });

  it('accepts a map as the price list', () => {
    const byModel = new Map(prices.map((p) => [p.model, p]));
    const result = quoteBatch([{ model: 'sora-2' }], byModel);
    expect(result.ok && result.value.requiredCredits).toBe(10);
  });

  it('refuses an empty batch', () => {
    expect(quoteBatch([], prices)).toEqual({ ok: false, error: { code: 'empty_batch' } });
  });

  it('names an unknown model with every item that uses it', () => {
    const result = quoteBatch(
      [{ model: 'sora-2' }, { model: 'nope' }, { model: 'sora-2' }, { model: 'nope' }],
      prices,
    );
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'unknown_model',
        model: 'nope',
        itemIndexes: [1, 3],
        problems: [{ code: 'unknown_model', model: 'nope', itemIndexes: [1, 3] }],
      },
    });
  });

  it('names a disabled model and reports every bad model in order', () => {
    const result = quoteBatch(
      [{ model: 'veo-old' }, { model: 'sora-2' }, { model: 'ghost' }, { model: 'veo-old' }],
      prices,
    );
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'model_disabled',
        model: 'veo-old',
        itemIndexes: [0, 3],
        problems: [
          { code: 'model_disabled', model: 'veo-old', itemIndexes: [0, 3] },
          { code: 'unknown_model', model: 'ghost', itemIndexes: [2] },
        ],
      },
    });
  });

  it('quotes 10,000 items with one price each', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => ({
      model: i % 2 === 0 ? 'sora-2' : 'sora-2-pro',
    }));
    const result = quoteBatch(items, prices);
    expect(result.ok && result.value.requiredCredits).toBe(5_000 * 10 + 5_000 * 30);
    expect(result.ok && result.value.itemPrices.length).toBe(10_000);
  });

  it('throws for a non-integer or zero price of a model in use (a configuration bug)', () => {
    expect(() =>
      quoteBatch([{ model: 'x' }], [{ model: 'x', priceCredits: 10.5, enabled: true }]),
    ).toThrow(RangeError);
    expect(() =>
      quoteBatch([{ model: 'x' }], [{ model: 'x', priceCredits: 0, enabled: true }]),
    ).toThrow(RangeError);
  });

  it('throws for a price list with the same model twice', () => {
    expect(() => quoteBatch([{ model: 'sora-2' }], [...prices, prices[0] as ModelPrice])).toThrow(
      /duplicate price/,
    );
  });

  it('throws rather than lose precision on an absurd total', () => {
    const huge = [{ model: 'x', priceCredits: Number.MAX_SAFE_INTEGER, enabled: true }];
    expect(() => quoteBatch([{ model: 'x' }, { model: 'x' }], huge)).toThrow(RangeError);
  });
});
