import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ModelPrice, Quote } from '../src/index';
import { estimateProviderCost, marginOf, providerCharge, quoteBatch } from '../src/index';

// The invariants `quoteBatch` documents, stated over random catalogues mixing flat and
// per-second prices and random batches of their items.

const SIZES = ['1280x720', '720x1280', '1920x1080', '3840x2160'] as const;

const perSecond = fc
  .uniqueArray(fc.constantFrom(...SIZES), { minLength: 1, maxLength: SIZES.length })
  .chain((sizes) =>
    fc
      .array(fc.integer({ min: 1, max: 500 }), { minLength: sizes.length, maxLength: sizes.length })
      .map((rates) => Object.fromEntries(sizes.map((size, i) => [size, rates[i] as number]))),
  );

/** A catalogue of 1 to 6 models, each flat or per second. */
const catalogue: fc.Arbitrary<ModelPrice[]> = fc
  .array(
    fc.oneof(
      fc.integer({ min: 1, max: 10_000 }).map((priceCredits) => ({ priceCredits })),
      perSecond.map((creditsPerSecond) => ({ creditsPerSecond })),
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((prices) =>
    prices.map((price, i) => ({ model: `m${i}`, enabled: true, ...price }) as ModelPrice),
  );

interface Item {
  model: string;
  seconds: number;
  size: string;
}

/** A batch of items valid for `prices`: any model, any length, a priced size. */
function batchOf(prices: ModelPrice[]): fc.Arbitrary<Item[]> {
  return fc.array(
    fc
      .record({
        model: fc.nat({ max: prices.length - 1 }),
        seconds: fc.integer({ min: 1, max: 600 }),
        size: fc.nat({ max: 100 }),
      })
      .map(({ model, seconds, size }) => {
        const price = prices[model] as ModelPrice;
        const sizes = price.creditsPerSecond ? Object.keys(price.creditsPerSecond) : SIZES;
        return { model: price.model, seconds, size: sizes[size % sizes.length] as string };
      }),
    { minLength: 1, maxLength: 300 },
  );
}

const catalogueAndBatch = catalogue.chain((prices) =>
  batchOf(prices).map((items) => ({ prices, items })),
);

function quoted(items: Item[], prices: ModelPrice[]): Quote {
  const result = quoteBatch(items, prices);
  if (!result.ok) throw new Error(`not quoted: ${result.error.code}`);
  return result.value;
}

/** What an item costs by the rule itself. */
function expectedPrice(item: Item, prices: ModelPrice[]): number {
  const price = prices.find((p) => p.model === item.model) as ModelPrice;
  return price.creditsPerSecond
    ? (price.creditsPerSecond[item.size] as number) * item.seconds
    : price.priceCredits;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('per-second quotes, for any catalogue and batch', () => {
  it('price every item by its rule, and the total is Σ item prices', () => {
    fc.assert(
      fc.property(catalogueAndBatch, ({ prices, items }) => {
        const quote = quoted(items, prices);
        expect(quote.itemPrices).toEqual(items.map((item) => expectedPrice(item, prices)));
        expect(quote.requiredCredits).toBe(sum(quote.itemPrices));
        expect(quote.requiredCredits).toBe(sum(quote.breakdown.map((l) => l.subtotalCredits)));
        expect(sum(quote.breakdown.map((l) => l.count))).toBe(items.length);
        for (const line of quote.breakdown) {
          if (line.variants) {
            expect(line.subtotalCredits).toBe(sum(line.variants.map((v) => v.subtotalCredits)));
            for (const v of line.variants) {
              expect(v.priceCredits).toBe(v.creditsPerSecond * v.seconds);
              expect(v.subtotalCredits).toBe(v.count * v.priceCredits);
            }
          }
        }
      }),
    );
  });

  it('give whole credits only: every figure is a positive safe integer, never a float', () => {
    fc.assert(
      fc.property(catalogueAndBatch, ({ prices, items }) => {
        const quote = quoted(items, prices);
        const figures = [
          quote.requiredCredits,
          ...quote.itemPrices,
          ...quote.breakdown.flatMap((l) => [
            l.subtotalCredits,
            ...(l.priceCredits === null ? [] : [l.priceCredits]),
            ...(l.variants ?? []).flatMap((v) => [v.priceCredits, v.subtotalCredits]),
          ]),
        ];
        for (const figure of figures) {
          expect(Number.isSafeInteger(figure) && figure >= 1).toBe(true);
        }
      }),
    );
  });

  it('never charge less for more seconds', () => {
    fc.assert(
      fc.property(
        catalogueAndBatch,
        fc.nat(),
        fc.integer({ min: 1, max: 600 }),
        ({ prices, items }, which, extra) => {
          const index = which % items.length;
          const longer = items.map((item, i) =>
            i === index ? { ...item, seconds: item.seconds + extra } : item,
          );
          const before = quoted(items, prices);
          const after = quoted(longer, prices);
          expect(after.itemPrices[index]).toBeGreaterThanOrEqual(
            before.itemPrices[index] as number,
          );
          expect(after.requiredCredits).toBeGreaterThanOrEqual(before.requiredCredits);
          // Only that item's price may change.
          expect(after.requiredCredits - before.requiredCredits).toBe(
            (after.itemPrices[index] as number) - (before.itemPrices[index] as number),
          );
        },
      ),
    );
  });

  it('do not depend on the order of the items', () => {
    fc.assert(
      fc.property(
        catalogueAndBatch.chain(({ prices, items }) =>
          fc
            .shuffledSubarray(items, { minLength: items.length, maxLength: items.length })
            .map((shuffled) => ({ prices, items, shuffled })),
        ),
        ({ prices, items, shuffled }) => {
          expect(quoted(shuffled, prices).requiredCredits).toBe(
            quoted(items, prices).requiredCredits,
          );
        },
      ),
    );
  });

  it('have a cost per video exactly when all items cost the same', () => {
    fc.assert(
      fc.property(catalogueAndBatch, ({ prices, items }) => {
        const quote = quoted(items, prices);
        const distinct = new Set(quote.itemPrices);
        expect(quote.costPerVideo).toBe(distinct.size === 1 ? quote.itemPrices[0] : null);
        for (const line of quote.breakdown) {
          const own = new Set(quote.itemPrices.filter((_, i) => items[i]?.model === line.model));
          expect(line.priceCredits).toBe(own.size === 1 ? [...own][0] : null);
        }
      }),
    );
  });

  it('quote nothing when one item asks for a length the model does not offer', () => {
    fc.assert(
      fc.property(catalogueAndBatch, fc.nat(), ({ prices, items }, which) => {
        const index = which % items.length;
        const item = items[index] as Item;
        const restricted = prices.map((p) =>
          p.model === item.model ? { ...p, allowedSeconds: [item.seconds + 1] } : p,
        );
        const result = quoteBatch(items, restricted);
        expect(result.ok).toBe(false);
        if (result.ok || result.error.code === 'empty_batch') return;
        const problem = result.error.problems.find(
          (p) => p.code === 'seconds_not_offered' && p.itemIndexes.includes(index),
        );
        expect(problem).toMatchObject({ model: item.model, seconds: item.seconds });
      }),
    );
  });
});

describe('provider cost and margin', () => {
  it('estimates rate × seconds in the catalogue unit, exactly and monotonically', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 0, max: 600 }),
        (rate, seconds, extra) => {
          const catalogueRate = { ratePerSecond: { '1280x720': rate }, unit: 'usd_micros' };
          const estimate = estimateProviderCost(catalogueRate, { seconds, size: '1280x720' });
          expect(estimate).toEqual({ amount: rate * seconds, unit: 'usd_micros' });
          const longer = estimateProviderCost(catalogueRate, {
            seconds: seconds + extra,
            size: '1280x720',
          });
          expect(longer?.amount).toBeGreaterThanOrEqual(estimate?.amount ?? 0);
        },
      ),
    );
  });

  it('records decimal money in whole micro-units, and other units only as whole amounts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), (micros) => {
        const charge = providerCharge({ amount: micros / 1_000_000, currency: 'USD' });
        expect(charge).toEqual({ ok: true, value: { amount: micros, unit: 'usd_micros' } });
      }),
    );
    expect(providerCharge({ amount: 40, currency: 'runway_credits' })).toEqual({
      ok: true,
      value: { amount: 40, unit: 'runway_credits' },
    });
    for (const bad of [
      { amount: -1, currency: 'USD' },
      { amount: Number.NaN, currency: 'USD' },
      { amount: 1.5, currency: 'runway_credits' },
      { amount: 1, currency: 'credits with spaces' },
    ]) {
      expect(providerCharge(bad)).toMatchObject({ ok: false, error: { code: 'unusable_charge' } });
    }
  });

  it('computes margin = credits × value − cost in integers', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 0, max: 1_000_000_000 }),
        (creditsCharged, creditValue, providerCost) => {
          const { revenue, margin } = marginOf({ creditsCharged, creditValue, providerCost });
          expect(revenue).toBe(creditsCharged * creditValue);
          expect(margin).toBe(revenue - providerCost);
          expect(Number.isSafeInteger(margin)).toBe(true);
        },
      ),
    );
    expect(() => marginOf({ creditsCharged: 1.5, creditValue: 1, providerCost: 0 })).toThrow(
      RangeError,
    );
  });
});
