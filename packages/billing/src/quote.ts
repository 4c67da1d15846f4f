import { addCredits } from './credits';
import {
  indexPrices,
  isPerSecond,
  itemPrice,
  type ModelPrice,
  offeredSizes,
  type PriceList,
  type QuoteItem,
  rateFor,
} from './price-list';
import type { Result } from './result';
import { err, ok } from './result';

export type { ModelPrice, PerSecondPrice, PerVideoPrice, PriceList, QuoteItem } from './price-list';
export { indexPrices } from './price-list';

/** Items of a per-second model at one length and size: one price each. */
export interface QuoteVariant {
  seconds: number;
  size: string;
  count: number;
  creditsPerSecond: number;
  /** `creditsPerSecond × seconds`: the price of each of these items. */
  priceCredits: number;
  /** `count × priceCredits`. */
  subtotalCredits: number;
}

/** One model's share of a quote. */
export interface QuoteLine {
  model: string;
  /** Number of items of this model. */
  count: number;
  /**
   * The price of each item of this model when they all cost the same (always for a flat price),
   * else `null` (see `variants`).
   */
  priceCredits: number | null;
  /** Σ the prices of this model's items. */
  subtotalCredits: number;
  /** Per-second prices only: one entry per length and size, in order of first appearance. */
  variants?: QuoteVariant[];
}

/** What a batch will cost, computed before any work starts (docs/product.md §5.1). */
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

/**
 * Something that keeps items from being quoted, with every item index it concerns (ascending).
 * A model problem covers every item of that model; a parameter problem every item of the model
 * asking for that one length or size.
 */
export type QuoteProblem =
  | { code: 'unknown_model' | 'model_disabled'; model: string; itemIndexes: number[] }
  | { code: 'model_retired'; model: string; replacement: string | null; itemIndexes: number[] }
  | {
      code: 'seconds_not_offered';
      model: string;
      seconds: number;
      /** The model's allowed lengths, ascending. */
      allowedSeconds: number[];
      itemIndexes: number[];
    }
  | {
      code: 'size_not_offered';
      model: string;
      size: string;
      allowedSizes: string[];
      itemIndexes: number[];
    };

/**
 * Why a batch cannot be quoted. The top-level fields describe the first problem (by its first
 * item) and `problems` lists every problem (the first one included), so an API can report all of
 * them at once.
 */
export type QuoteError = { code: 'empty_batch' } | (QuoteProblem & { problems: QuoteProblem[] });

/** Why a model cannot be ordered at all, or null when it can. */
function modelProblem(price: ModelPrice | undefined, model: string): QuoteProblem | null {
  if (price === undefined) return { code: 'unknown_model', model, itemIndexes: [] };
  if (price.retired) {
    return {
      code: 'model_retired',
      model,
      replacement: price.retired.replacement,
      itemIndexes: [],
    };
  }
  if (!price.enabled) return { code: 'model_disabled', model, itemIndexes: [] };
  return null;
}

/** Why this item's length and size are not on offer (each its own problem); empty when they are. */
function parameterProblems(price: ModelPrice, item: QuoteItem): QuoteProblem[] {
  const found: QuoteProblem[] = [];
  const { allowedSeconds } = price;
  if (allowedSeconds && item.seconds !== undefined && !allowedSeconds.includes(item.seconds)) {
    found.push({
      code: 'seconds_not_offered',
      model: price.model,
      seconds: item.seconds,
      allowedSeconds: [...allowedSeconds].sort((a, b) => a - b),
      itemIndexes: [],
    });
  }
  const sizes = offeredSizes(price);
  if (sizes && item.size !== undefined && !sizes.includes(item.size)) {
    found.push({
      code: 'size_not_offered',
      model: price.model,
      size: item.size,
      allowedSizes: [...sizes],
      itemIndexes: [],
    });
  }
  return found;
}

const problemKey = (p: QuoteProblem) =>
  p.code === 'seconds_not_offered'
    ? `${p.code}\u0000${p.model}\u0000${p.seconds}`
    : p.code === 'size_not_offered'
      ? `${p.code}\u0000${p.model}\u0000${p.size}`
      : `model\u0000${p.model}`;

/**
 * Quotes a batch: the price of every item and `required_credits = Σ price(item)` (docs/product.md §5.1).
 * An item of a flat-priced model costs the model's price; an item of a per-second model costs
 * `creditsPerSecond[size] × seconds`.
 *
 * Single pass over the items with one map lookup per item, so quoting 10,000 items is linear and
 * cheap (see `bench/quote.bench.ts`). Only the prices of models the batch actually uses are
 * validated.
 *
 * Invariants: on success `requiredCredits = Σ itemPrices = Σ breakdown.subtotalCredits`, and
 * for a per-second line `subtotalCredits = Σ variants.subtotalCredits`;
 * `itemPrices.length = totalCount = items.length = Σ breakdown.count`; every price is a positive
 * safe integer computed by integer multiplication (never a float); an item's price never falls
 * when its `seconds` grow; `costPerVideo` is non-null exactly when all item prices are equal.
 * On failure nothing is partially quoted: an empty batch, or every problem (unknown, disabled
 * or retired model; a length or size the model does not offer) with all of its item indexes.
 *
 * @throws RangeError if a used price is not a positive safe integer, a per-second item lacks
 * `seconds` or `size`, an offered size has no price, or a figure leaves the safe-integer range
 * (programmer or configuration errors).
 */
export function quoteBatch(
  items: readonly QuoteItem[],
  prices: PriceList,
): Result<Quote, QuoteError> {
  if (items.length === 0) {
    return err({ code: 'empty_batch' });
  }
  const priceByModel = indexPrices(prices);
  const lines = new Map<string, QuoteLine>();
  const variants = new Map<QuoteLine, Map<string, QuoteVariant>>();
  const badModels = new Map<string, QuoteProblem>();
  const problems = new Map<string, QuoteProblem>();
  const itemPrices: number[] = new Array<number>(items.length);
  let firstPrice: number | undefined;
  let uniformPrice = true;

  let index = -1;
  for (const item of items) {
    index++;
    const { model } = item;
    const bad = badModels.get(model);
    if (bad !== undefined) {
      bad.itemIndexes.push(index);
      continue;
    }
    const price = priceByModel.get(model);
    let line = lines.get(model);
    if (line === undefined) {
      const problem = modelProblem(price, model);
      if (problem !== null) {
        problem.itemIndexes.push(index);
        badModels.set(model, problem);
        problems.set(problemKey(problem), problem);
        continue;
      }
    }
    // A model without problems has a price.
    const modelPrice = price as ModelPrice;
    const found = parameterProblems(modelPrice, item);
    for (const problem of found) {
      const key = problemKey(problem);
      const known = problems.get(key);
      if (known) known.itemIndexes.push(index);
      else {
        problem.itemIndexes.push(index);
        problems.set(key, problem);
      }
    }
    if (found.length > 0) continue;
    if (problems.size > 0) continue; // nothing will be quoted: only problems are collected now

    const itemCredits = itemPrice(modelPrice, item);
    itemPrices[index] = itemCredits;
    if (firstPrice === undefined) firstPrice = itemCredits;
    else if (firstPrice !== itemCredits) uniformPrice = false;

    if (line === undefined) {
      line = { model, count: 0, priceCredits: itemCredits, subtotalCredits: 0 };
      lines.set(model, line);
      if (isPerSecond(modelPrice)) variants.set(line, new Map());
    }
    line.count++;
    if (line.priceCredits !== itemCredits) line.priceCredits = null;
    const lineVariants = variants.get(line);
    if (lineVariants !== undefined && isPerSecond(modelPrice)) {
      const seconds = item.seconds as number;
      const size = item.size as string;
      const key = `${seconds}\u0000${size}`;
      const variant = lineVariants.get(key);
      if (variant) variant.count++;
      else {
        lineVariants.set(key, {
          seconds,
          size,
          count: 1,
          creditsPerSecond: rateFor(modelPrice, size),
          priceCredits: itemCredits,
          subtotalCredits: 0,
        });
      }
    }
  }

  if (problems.size > 0) {
    const all = [...problems.values()].sort(
      (a, b) => (a.itemIndexes[0] ?? 0) - (b.itemIndexes[0] ?? 0),
    );
    const first = all[0] as QuoteProblem;
    return err({ ...first, problems: all });
  }

  // Summing per line (count × price) keeps the loop above free of overflow checks while still
  // refusing any total that would lose precision.
  let requiredCredits = 0;
  const breakdown: QuoteLine[] = [];
  for (const line of lines.values()) {
    const lineVariants = variants.get(line);
    if (lineVariants === undefined) {
      line.subtotalCredits = multiply(line.count, line.priceCredits as number, line.model);
    } else {
      line.variants = [...lineVariants.values()];
      for (const variant of line.variants) {
        variant.subtotalCredits = multiply(variant.count, variant.priceCredits, line.model);
        line.subtotalCredits = addCredits(
          line.subtotalCredits,
          variant.subtotalCredits,
          `subtotal of model '${line.model}'`,
        );
      }
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

function multiply(count: number, price: number, model: string): number {
  const subtotal = count * price;
  if (!Number.isSafeInteger(subtotal)) {
    throw new RangeError(`subtotal of model '${model}' overflows the safe integer range`);
  }
  return subtotal;
}
