import { addCredits, assertPositiveCredits } from './credits';
import type { Result } from './result';
import { err, ok } from './result';

/** The price of one video of a model, as configured by an admin (`models` table). */
export interface ModelPrice {
  model: string;
  /** Credits for one video; a positive safe integer. */
  priceCredits: number;
  /** Disabled models are refused at admission. */
  enabled: boolean;
}

/** One model's share of a quote. */
export interface QuoteLine {
  model: string;
  /** Number of items of this model. */
  count: number;
  priceCredits: number;
  /** `count × priceCredits`. */
  subtotalCredits: number;
}

/** What a batch will cost, computed before any work starts (SPEC §5.1). */
export interface Quote {
  totalCount: number;
  /** `itemPrices[i]` is the price of item `i`; it becomes that task's `cost_credits`. */
  itemPrices: number[];
  /** The price of one video when every item costs the same, else `null` (`cost_per_video`). */
  costPerVideo: number | null;
  /** `required_credits = Σ itemPrices`. */
  requiredCredits: number;
  /** One line per distinct model, in order of first appearance in the batch. */
  breakdown: QuoteLine[];
}

/** A model that made a batch unquotable, with every item index that used it. */
export interface ModelProblem {
  code: 'unknown_model' | 'model_disabled';
  model: string;
  /** 0-based indexes into the batch's `items`, ascending. */
  itemIndexes: number[];
}

/**
 * Why a batch cannot be quoted. For a model problem, the top-level fields describe the first bad
 * model in the batch and `problems` lists every bad model (the first one included), so an API
 * can report all of them at once.
 */
export type QuoteError =
  | { code: 'empty_batch' }
  | {
      code: 'unknown_model';
      model: string;
      itemIndexes: number[];
      problems: ModelProblem[];
    }
  | {
      code: 'model_disabled';
      model: string;
      itemIndexes: number[];
      problems: ModelProblem[];
    };

/** A price list: either an array of prices or a map from model name to its price. */
export type PriceList = readonly ModelPrice[] | ReadonlyMap<string, ModelPrice>;

function isPriceArray(prices: PriceList): prices is readonly ModelPrice[] {
  return Array.isArray(prices);
}

/**
 * Indexes a price list by model name.
 *
 * Invariant: every model appears at most once; a duplicate is a configuration bug and throws,
 * because silently picking one of two prices could charge the wrong amount.
 */
export function indexPrices(prices: PriceList): ReadonlyMap<string, ModelPrice> {
  if (!isPriceArray(prices)) {
    return prices;
  }
  const byModel = new Map<string, ModelPrice>();
  for (const price of prices) {
    if (byModel.has(price.model)) {
      throw new Error(`duplicate price for model '${price.model}'`);
    }
    byModel.set(price.model, price);
  }
  return byModel;
}

/**
 * Quotes a batch: the price of every item and `required_credits = Σ price(item)` (SPEC §5.1).
 *
 * Single pass over the items with one map lookup per item, so quoting 10,000 items is linear and cheap
 * (see `bench/quote.bench.ts`). Only the prices of models the batch actually uses are validated.
 *
 * Invariants: on success `requiredCredits = Σ itemPrices = Σ breakdown.subtotalCredits`,
 * `itemPrices.length = totalCount = items.length = Σ breakdown.count`, and `costPerVideo` is
 * non-null exactly when all item prices are equal. On failure nothing is partially quoted: an
 * empty batch, or every unknown or disabled model with all of its item indexes.
 *
 * @throws RangeError if a used model's price is not a positive safe integer, or the total
 * leaves the safe-integer range (both programmer or configuration errors).
 */
export function quoteBatch(
  items: readonly { model: string }[],
  prices: PriceList,
): Result<Quote, QuoteError> {
  if (items.length === 0) {
    return err({ code: 'empty_batch' });
  }
  const priceByModel = indexPrices(prices);
  const lines = new Map<string, QuoteLine>();
  const problems = new Map<string, ModelProblem>();
  const itemPrices: number[] = new Array<number>(items.length);
  let firstPrice: number | undefined;
  let uniformPrice = true;

  let index = -1;
  for (const { model } of items) {
    index++;
    const line = lines.get(model);
    if (line !== undefined) {
      line.count++;
      itemPrices[index] = line.priceCredits;
      continue;
    }
    const problem = problems.get(model);
    if (problem !== undefined) {
      problem.itemIndexes.push(index);
      continue;
    }
    const price = priceByModel.get(model);
    if (price === undefined || !price.enabled) {
      const code = price === undefined ? 'unknown_model' : 'model_disabled';
      problems.set(model, { code, model, itemIndexes: [index] });
      continue;
    }
    assertPositiveCredits(price.priceCredits, `price of model '${model}'`);
    lines.set(model, { model, count: 1, priceCredits: price.priceCredits, subtotalCredits: 0 });
    itemPrices[index] = price.priceCredits;
    if (firstPrice === undefined) {
      firstPrice = price.priceCredits;
    } else if (firstPrice !== price.priceCredits) {
      uniformPrice = false;
    }
  }

  const [firstProblem] = problems.values();
  if (firstProblem !== undefined) {
    const all = [...problems.values()];
    return err({
      code: firstProblem.code,
      model: firstProblem.model,
      itemIndexes: firstProblem.itemIndexes,
      problems: all,
    });
  }

  // Summing per line (count × price) keeps the loop above free of overflow checks while still
  // refusing any total that would lose precision.
  let requiredCredits = 0;
  const breakdown: QuoteLine[] = [];
  for (const line of lines.values()) {
    line.subtotalCredits = line.count * line.priceCredits;
    if (!Number.isSafeInteger(line.subtotalCredits)) {
      throw new RangeError(`subtotal of model '${line.model}' overflows the safe integer range`);
    }
    requiredCredits = addCredits(requiredCredits, line.subtotalCredits, 'required credits');
    breakdown.push(line);
  }

  return ok({
    totalCount: items.length,
    itemPrices,
    costPerVideo: uniformPrice ? (firstPrice ?? null) : null,
    requiredCredits,
    breakdown,
  });
}
