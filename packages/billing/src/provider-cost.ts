import { assertSafeInteger } from './credits';
import type { Result } from './result';
import { err, ok } from './result';

/**
 * What a provider charges, as a whole number of a unit: `usd_micros` (millionths of a US
 * dollar), `runway_credits`, … Never credits: provider costs are reported beside the ledger and
 * never enter it.
 */
export interface ProviderAmount {
  amount: number;
  unit: string;
}

/** How a unit is spelled: lower case, digits and `_`, starting with a letter (≤ 40). */
export const PROVIDER_UNIT_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;

/** ISO 4217 style codes (`USD`, `eur`): decimal money, recorded in micro-units. */
const DECIMAL_CURRENCY = /^[A-Za-z]{3}$/;
const MICROS_PER_UNIT = 1_000_000;

/**
 * A provider's own report of what a job cost it (`{ amount, currency }`, e.g. Runway's
 * `{ amount: 40, currency: 'runway_credits' }`), as a whole amount of a unit. Decimal money in a
 * three-letter currency code becomes micro-units (`{ amount: 0.35, currency: 'USD' }` →
 * `350000 usd_micros`), rounded to the nearest micro-unit, so every figure is an integer.
 *
 * Invariant: on success `amount` is a safe integer `>= 0` and `unit` matches
 * `PROVIDER_UNIT_PATTERN`. A charge that is negative, not finite, fractional in a non-currency
 * unit, or in a unit that cannot be named is refused as a value (`unusable_charge`): provider
 * data is outside input, and the caller falls back to the catalogue's estimate.
 */
export function providerCharge(cost: {
  amount: number;
  currency: string;
}): Result<ProviderAmount, { code: 'unusable_charge'; reason: string }> {
  const { amount, currency } = cost;
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
    return err({ code: 'unusable_charge', reason: `amount ${String(amount)} is not a charge` });
  }
  if (typeof currency === 'string' && DECIMAL_CURRENCY.test(currency)) {
    const micros = Math.round(amount * MICROS_PER_UNIT);
    if (!Number.isSafeInteger(micros)) {
      return err({ code: 'unusable_charge', reason: `amount ${amount} ${currency} is too large` });
    }
    return ok({ amount: micros, unit: `${currency.toLowerCase()}_micros` });
  }
  const unit = typeof currency === 'string' ? currency.toLowerCase() : '';
  if (!PROVIDER_UNIT_PATTERN.test(unit)) {
    return err({ code: 'unusable_charge', reason: `unit '${String(currency)}' cannot be named` });
  }
  if (!Number.isSafeInteger(amount)) {
    return err({
      code: 'unusable_charge',
      reason: `amount ${amount} ${unit} is not a whole number of its unit`,
    });
  }
  return ok({ amount, unit });
}

/**
 * The catalogue's estimate of what one video costs at the provider: its rate for the size
 * times the seconds of output, in the catalogue's unit. `null` when the catalogue has no rate
 * for that size (nothing is known, so nothing is claimed).
 *
 * Invariant: a safe integer `>= 0`, exact (integer multiplication), growing with `seconds`.
 *
 * @throws RangeError if a rate or `seconds` is not a safe integer `>= 0` (configuration errors),
 * or the product overflows.
 */
export function estimateProviderCost(
  catalogue: { ratePerSecond: Readonly<Record<string, number>>; unit: string },
  video: { seconds: number; size: string },
): ProviderAmount | null {
  const rate = Object.hasOwn(catalogue.ratePerSecond, video.size)
    ? catalogue.ratePerSecond[video.size]
    : undefined;
  if (rate === undefined) return null;
  assertSafeInteger(rate, `provider cost rate at ${video.size}`);
  assertSafeInteger(video.seconds, 'seconds');
  if (rate < 0 || video.seconds < 0) throw new RangeError('provider cost rates are >= 0');
  const amount = rate * video.seconds;
  if (!Number.isSafeInteger(amount)) throw new RangeError('provider cost estimate overflows');
  return { amount, unit: catalogue.unit };
}

/** Credits charged, set against a provider cost in the unit credits are valued in. */
export interface Margin {
  /** `creditsCharged × creditValue`: what the charged credits are worth in the unit. */
  revenue: number;
  /** `revenue − providerCost`; negative when the provider cost more than the credits brought. */
  margin: number;
}

/**
 * The margin of credits charged over a provider cost, both in one unit (`creditValue` is what
 * one credit is worth in the unit of `providerCost`, e.g. 10,000 `usd_micros` for a cent).
 *
 * Invariant: `revenue = creditsCharged × creditValue` and `margin = revenue − providerCost`,
 * exact integers; never a float.
 *
 * @throws RangeError if an input is not a safe integer (`creditValue >= 1`, the others `>= 0`)
 * or a result leaves the safe-integer range.
 */
export function marginOf(input: {
  creditsCharged: number;
  creditValue: number;
  providerCost: number;
}): Margin {
  const { creditsCharged, creditValue, providerCost } = input;
  assertSafeInteger(creditsCharged, 'credits charged');
  assertSafeInteger(creditValue, 'credit value');
  assertSafeInteger(providerCost, 'provider cost');
  if (creditsCharged < 0 || providerCost < 0 || creditValue < 1) {
    throw new RangeError('credits charged and provider cost are >= 0; a credit is worth >= 1');
  }
  const revenue = creditsCharged * creditValue;
  if (!Number.isSafeInteger(revenue)) throw new RangeError('revenue overflows');
  return { revenue, margin: revenue - providerCost };
}
