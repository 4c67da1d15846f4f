import { assertCredits, assertSafeInteger } from './credits';

/** What is known of a batch's money at one moment (its row, its tasks, its ledger rows). */
export interface BatchMoneyInput {
  /** `batch_jobs.frozen_credits`: 0 until the freeze, then `required_credits`. */
  frozenCredits: number;
  /** Σ cost of the batch's tasks that have succeeded so far. */
  succeededCost: number;
  /** Σ `credits_delta` of the batch's `batch_refund` ledger rows so far. */
  refundedSoFar: number;
  /**
   * The figures settlement wrote (docs/product.md §5.4), once the batch is settled; `undefined` before.
   * Settled figures are reported as written, never recomputed.
   */
  settled?: { creditsSpent: number; refundedCredits: number } | undefined;
}

/**
 * A batch's money figures, defined so that they never contradict each other, while it runs as
 * well as once it is settled.
 */
export interface BatchMoney {
  /** Pre-deducted at the freeze (the `batch_upfront` row, as a positive amount). */
  frozenCredits: number;
  /** Σ price of succeeded tasks: so far while running, the contract's `credits_spent` once settled. */
  creditsSpent: number;
  /** Σ refunds of failed and canceled tasks: so far while running, final once settled. */
  refundedCredits: number;
  /** Frozen credits of tasks not yet finished (still frozen): 0 once settled. */
  pendingCredits: number;
  /**
   * What the batch has taken from the balance: frozen − refunded. While tasks run it includes
   * the still-frozen credits (= spent + pending); once settled it equals `creditsSpent`.
   */
  netSpentCredits: number;
}

/**
 * The money figures of a batch at any moment (docs/product.md §5.2–§5.4).
 *
 * Invariants: `frozenCredits = creditsSpent + refundedCredits + pendingCredits` and
 * `netSpentCredits = frozenCredits − refundedCredits = creditsSpent + pendingCredits`, always;
 * once settled, `creditsSpent` and `refundedCredits` are exactly the settled figures, so
 * `pendingCredits = 0` and `netSpentCredits = creditsSpent` (the settlement invariant). Figures
 * that break the identity (a missing refund, say) are reported as they are — `pendingCredits`
 * then shows the difference — never corrected; the integrity check names the cause.
 *
 * @throws RangeError if a figure is not a safe integer (`>= 0` for the amounts).
 */
export function batchMoney(input: BatchMoneyInput): BatchMoney {
  assertCredits(input.frozenCredits, 'frozen credits');
  assertCredits(input.succeededCost, 'succeeded cost');
  assertSafeInteger(input.refundedSoFar, 'refunded credits');
  const creditsSpent = input.settled?.creditsSpent ?? input.succeededCost;
  const refundedCredits = input.settled?.refundedCredits ?? input.refundedSoFar;
  assertCredits(creditsSpent, 'credits spent');
  return {
    frozenCredits: input.frozenCredits,
    creditsSpent,
    refundedCredits,
    pendingCredits: input.frozenCredits - creditsSpent - refundedCredits,
    netSpentCredits: input.frozenCredits - refundedCredits,
  };
}
