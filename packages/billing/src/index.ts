/**
 * `@batchreel/billing`: every money rule of Batchreel, once, as pure functions.
 *
 * No I/O: callers load rows, call these functions, and write what they plan in their own
 * transactions. Credits are safe integers; business refusals are `Result` values; only
 * programmer errors throw.
 *
 * This file is the package's whole public surface, and everything in it has a caller outside
 * the package (a test in `apps/api` checks it): a rule nobody applies is not a rule. Helpers the
 * rules share stay inside (the package's own tests import them from their modules).
 *
 * @packageDocumentation
 */

export { checkAccountLedger } from './account-ledger';
export { availableCredits, decideAdmission } from './admission';
export { checkBatchLedger } from './batch-ledger';
export type { BatchMoney } from './batch-money';
export { batchMoney } from './batch-money';
export { planFreeze } from './freeze';
export { planAdjustment, planTopUp } from './grant';
export type { PlannedLedgerEntry } from './ledger';
export { checkLedgerChain, genesisHash, ledgerRowHash } from './ledger-chain';
export type { ProviderAmount } from './provider-cost';
export {
  estimateProviderCost,
  marginOf,
  PROVIDER_UNIT_PATTERN,
  providerCharge,
} from './provider-cost';
export type { ModelPrice, Quote, QuoteProblem } from './quote';
export { quoteBatch } from './quote';
export { planTaskRefund } from './refund';
export type { Result } from './result';
export { err, ok } from './result';
export { settleBatch } from './settlement';
export type { Violation, ViolationCode } from './violation';
export { VIOLATION_CODES } from './violation';
