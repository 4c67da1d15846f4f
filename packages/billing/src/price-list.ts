import { assertPositiveCredits } from './credits';

/** What every model's price says besides the money: whether and how it may be ordered. */
interface PriceRules {
  model: string;
  /** Disabled models are refused at admission. */
  enabled: boolean;
  /** Set for a retired model: refused at admission, naming its replacement (or none). */
  retired?: { replacement: string | null } | undefined;
  /** Lengths (`seconds`) an item may ask for; absent: any length. */
  allowedSeconds?: readonly number[] | undefined;
  /** Frame sizes an item may ask for; absent: any size (a per-second price: any priced size). */
  allowedSizes?: readonly string[] | undefined;
}

/** One price per video of the model, whatever its length and size. */
export interface PerVideoPrice extends PriceRules {
  /** Credits for one video; a positive safe integer. */
  priceCredits: number;
  creditsPerSecond?: undefined;
}

/** A price per second of output for each size (resolution tier); an item costs rate × seconds. */
export interface PerSecondPrice extends PriceRules {
  /** Credits per second of output by size (`WIDTHxHEIGHT`); positive safe integers. */
  creditsPerSecond: Readonly<Record<string, number>>;
  priceCredits?: undefined;
}

/** The price of a model, as configured by an admin (`models` table). */
export type ModelPrice = PerVideoPrice | PerSecondPrice;

/** One item as a quote sees it: the model, and the length and size it will be generated at. */
export interface QuoteItem {
  model: string;
  /** Required for a per-second price (callers fill in the model's default first). */
  seconds?: number | undefined;
  size?: string | undefined;
}

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

export function isPerSecond(price: ModelPrice): price is PerSecondPrice {
  return price.creditsPerSecond !== undefined;
}

/** The sizes an item of this model may ask for: the allowed ones, else (per second) the priced. */
export function offeredSizes(price: ModelPrice): readonly string[] | undefined {
  return (
    price.allowedSizes ?? (isPerSecond(price) ? Object.keys(price.creditsPerSecond) : undefined)
  );
}

/**
 * The rate a per-second item pays: credits per second of its size.
 *
 * @throws RangeError if the size has no rate although the model offers it, or the rate is not a
 * positive safe integer (configuration errors: the catalogue must price every size it offers).
 */
export function rateFor(price: PerSecondPrice, size: string): number {
  const rate = Object.hasOwn(price.creditsPerSecond, size)
    ? price.creditsPerSecond[size]
    : undefined;
  if (rate === undefined) {
    throw new RangeError(`model '${price.model}' offers size ${size} but has no price for it`);
  }
  assertPositiveCredits(rate, `per-second price of model '${price.model}' at ${size}`);
  return rate;
}

/**
 * The price of one item: the flat price, or `rate(size) × seconds`.
 *
 * Invariant: a positive safe integer, exact (integer multiplication, never a float); for a
 * per-second price it grows with `seconds` at a fixed size.
 *
 * @throws RangeError for a per-second item without a whole positive `seconds` or a `size`, an
 * unpriced size, a non-integer price, or a product beyond the safe-integer range.
 */
export function itemPrice(price: ModelPrice, item: Pick<QuoteItem, 'seconds' | 'size'>): number {
  if (!isPerSecond(price)) {
    assertPositiveCredits(price.priceCredits, `price of model '${price.model}'`);
    return price.priceCredits;
  }
  const { seconds, size } = item;
  if (seconds === undefined || size === undefined) {
    throw new RangeError(`an item of per-second model '${price.model}' needs seconds and size`);
  }
  assertPositiveCredits(seconds, `seconds of an item of model '${price.model}'`);
  const total = rateFor(price, size) * seconds;
  if (!Number.isSafeInteger(total)) {
    throw new RangeError(`price of ${seconds} s of model '${price.model}' overflows`);
  }
  return total;
}
